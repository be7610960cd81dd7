using System.Text.Json.Serialization;

namespace Wrenn.Cli.Images;

/// <summary>
/// $WRENN_DIR/images/&lt;name&gt;/manifest.json, written last: an image without it is incomplete.
/// The two keys say what the image was built from, so a rebuild is skipped when nothing changed.
/// </summary>
public sealed record ImageManifest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("base_key")] string BaseKey,
    [property: JsonPropertyName("inject_key")] string InjectKey,
    [property: JsonPropertyName("suite")] string Suite,
    [property: JsonPropertyName("packages")] IReadOnlyList<string> Packages,
    [property: JsonPropertyName("envd_sha256")] string EnvdSha256,
    [property: JsonPropertyName("built_at")] DateTimeOffset BuiltAt)
{
    public const string FileName = "manifest.json";
}
