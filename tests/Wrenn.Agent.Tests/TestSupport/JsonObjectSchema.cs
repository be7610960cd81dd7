using System.Globalization;
using System.Text.Json;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// A request body's shape, checked the way Firecracker's parser (serde with deny_unknown_fields) checks
/// it: unknown fields, missing required fields, wrong JSON types, numbers out of range and enum values
/// outside the list are refused. Stricter in one place on purpose: a null is refused even where
/// Firecracker would read it as "absent", because the client is meant to leave optional fields out.
/// </summary>
public sealed class JsonObjectSchema(IReadOnlyDictionary<string, JsonField> fields)
{
    public IReadOnlyDictionary<string, JsonField> Fields { get; } = fields;

    /// <summary>Null when <paramref name="value"/> fits, else what is wrong with it.</summary>
    public string? Validate(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            return $"invalid type: {Describe(value)}, expected a JSON object";
        }

        foreach (var property in value.EnumerateObject())
        {
            if (!Fields.TryGetValue(property.Name, out var field))
            {
                return $"unknown field `{property.Name}`, expected one of {string.Join(", ", Fields.Keys.Select(k => $"`{k}`"))}";
            }

            if (ValidateField(property.Name, field, property.Value) is { } error)
            {
                return error;
            }
        }

        foreach (var (name, field) in Fields)
        {
            if (field.Required && !value.TryGetProperty(name, out _))
            {
                return $"missing field `{name}`";
            }
        }

        return null;
    }

    private static string? ValidateField(string name, JsonField field, JsonElement value)
    {
        switch (field.Kind)
        {
            case JsonFieldKind.String:
                if (value.ValueKind != JsonValueKind.String)
                {
                    return $"invalid type for `{name}`: {Describe(value)}, expected a string";
                }

                var text = value.GetString()!;
                if (field.Enum is { } allowed && !allowed.Contains(text, field.EnumIgnoresCase ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal))
                {
                    return $"unknown variant `{text}` for `{name}`, expected one of {string.Join(", ", allowed.Select(a => $"`{a}`"))}";
                }

                return null;

            case JsonFieldKind.Boolean:
                return value.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? null
                    : $"invalid type for `{name}`: {Describe(value)}, expected a boolean";

            case JsonFieldKind.Integer:
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
                {
                    return $"invalid type for `{name}`: {Describe(value)}, expected an integer";
                }

                if (number < field.Minimum || number > field.Maximum)
                {
                    var range = field.Maximum is null ? $"at least {field.Minimum}" : $"between {field.Minimum} and {field.Maximum}";
                    return $"invalid value for `{name}`: {number.ToString(CultureInfo.InvariantCulture)}, expected {range}";
                }

                return null;

            case JsonFieldKind.Object:
                return field.Object!.Validate(value) is { } nested ? $"in `{name}`: {nested}" : null;

            case JsonFieldKind.ObjectArray:
                if (value.ValueKind != JsonValueKind.Array)
                {
                    return $"invalid type for `{name}`: {Describe(value)}, expected an array";
                }

                foreach (var item in value.EnumerateArray())
                {
                    if (field.Object!.Validate(item) is { } itemError)
                    {
                        return $"in `{name}`: {itemError}";
                    }
                }

                return null;

            case JsonFieldKind.StringMap:
                if (value.ValueKind != JsonValueKind.Object)
                {
                    return $"invalid type for `{name}`: {Describe(value)}, expected a map";
                }

                return value.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String)
                    ? $"invalid type in `{name}`: values must be strings"
                    : null;

            default:
                throw new InvalidOperationException($"unknown field kind {field.Kind}");
        }
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"string \"{value.GetString()}\"",
        JsonValueKind.Number => $"number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"boolean {value.GetRawText()}",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "sequence",
        JsonValueKind.Object => "map",
        _ => value.ValueKind.ToString(),
    };
}
