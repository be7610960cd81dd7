using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Wrenn.Cli.Output;

/// <summary>--json output: the API's own JSON, indented.</summary>
public static class JsonOutput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Write(JsonNode? node) => Console.Out.WriteLine(node?.ToJsonString(Indented) ?? "null");

    public static string Text(JsonNode? node, string property) => node?[property]?.ToString() ?? string.Empty;

    /// <summary>One "key  value" line per field, for one object in text mode.</summary>
    public static void WriteFields(JsonNode? node)
    {
        foreach (var (key, value) in node?.AsObject() ?? [])
        {
            Console.WriteLine($"{key,-15} {value?.ToJsonString().Trim('"')}");
        }
    }

    /// <summary>An SDK record as the API's JSON (see <see cref="ApiJsonContext"/>).</summary>
    public static JsonNode? Node<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToNode(value, type);

    /// <summary>A list as the API answers it: <c>{"property": [...]}</c>.</summary>
    public static JsonObject List<T>(string property, IReadOnlyList<T> items, JsonTypeInfo<IReadOnlyList<T>> type) =>
        new() { [property] = JsonSerializer.SerializeToNode(items, type) };
}
