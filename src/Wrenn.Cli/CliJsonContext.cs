using System.Text.Json.Serialization;
using Wrenn.Cli.Config;

using Wrenn.Cli.Images;

namespace Wrenn.Cli;

/// <summary>Source-generated JSON for every file the CLI reads or writes.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(ImageRecipe))]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(List<ImageManifest>))]
[JsonSerializable(typeof(ClientConfig))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
