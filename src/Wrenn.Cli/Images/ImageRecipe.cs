using System.Text.Json.Serialization;

namespace Wrenn.Cli.Images;

/// <summary>How a base image is made: images/&lt;name&gt;/recipe.json, embedded in the CLI.</summary>
public sealed record ImageRecipe(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("suite")] string Suite,
    [property: JsonPropertyName("variant")] string Variant,
    [property: JsonPropertyName("packages")] IReadOnlyList<string> Packages,
    [property: JsonPropertyName("default_user")] string DefaultUser,
    [property: JsonPropertyName("chrony_conf")] string ChronyConf);
