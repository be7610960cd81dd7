namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>One field of a request body as the swagger defines it.</summary>
public sealed record JsonField(
    JsonFieldKind Kind,
    bool Required = false,
    IReadOnlyList<string>? Enum = null,
    long? Minimum = null,
    long? Maximum = null,
    JsonObjectSchema? Object = null,
    bool EnumIgnoresCase = false)
{
    public static JsonField Str(bool required = false) => new(JsonFieldKind.String, required);

    public static JsonField Bool(bool required = false) => new(JsonFieldKind.Boolean, required);

    public static JsonField Int(bool required = false, long? min = 0, long? max = null) => new(JsonFieldKind.Integer, required, Minimum: min, Maximum: max);

    public static JsonField OneOf(bool required, params string[] values) => new(JsonFieldKind.String, required, Enum: values);

    public static JsonField Obj(JsonObjectSchema schema, bool required = false) => new(JsonFieldKind.Object, required, Object: schema);
}
