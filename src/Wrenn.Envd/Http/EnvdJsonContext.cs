using System.Text.Json.Serialization;

namespace Wrenn.Envd.Http;

/// <summary>Source-generated JSON for envd's HTTP endpoints (no reflection under NativeAOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(FileError))]
[JsonSerializable(typeof(List<WrittenFile>))]
internal sealed partial class EnvdJsonContext : JsonSerializerContext;
