using System.Text.Json.Serialization;

namespace Wrenn.ControlPlane.Proxy;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProxyErrorBody))]
internal sealed partial class ProxyJsonContext : JsonSerializerContext;
