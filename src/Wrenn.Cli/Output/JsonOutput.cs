using System.Text.Json;
using System.Text.Json.Nodes;

namespace Wrenn.Cli.Output;

/// <summary>--json output: the API's own JSON, indented.</summary>
public static class JsonOutput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Write(JsonNode? node) => Console.Out.WriteLine(node?.ToJsonString(Indented) ?? "null");

    public static string Text(JsonNode? node, string property) => node?[property]?.ToString() ?? string.Empty;
}
