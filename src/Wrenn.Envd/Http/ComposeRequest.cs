using System.Text.Json.Serialization;

namespace Wrenn.Envd.Http;

/// <summary>Body of POST /files/compose (E2B envd 0.5.5): concatenate the sources, in order, into the destination.</summary>
public sealed record ComposeRequest(
    [property: JsonPropertyName("source_paths")] List<string>? SourcePaths,
    [property: JsonPropertyName("destination")] string? Destination,
    [property: JsonPropertyName("username")] string? Username);
