using System.Text.Json.Serialization;

namespace Wrenn.Envd.Http;

/// <summary>Source-generated JSON for envd's HTTP endpoints (no reflection under NativeAOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(FileError))]
[JsonSerializable(typeof(List<WrittenFile>))]
[JsonSerializable(typeof(WrittenFile))]
[JsonSerializable(typeof(InitRequest))]
[JsonSerializable(typeof(ComposeRequest))]
[JsonSerializable(typeof(MetricsResponse))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class EnvdJsonContext : JsonSerializerContext;
