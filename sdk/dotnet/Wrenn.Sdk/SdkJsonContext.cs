using System.Text.Json.Serialization;

namespace Wrenn.Sdk;

/// <summary>Source-generated JSON for the API's answers (the SDK stays trim- and NativeAOT-safe: no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(HostInfo))]
[JsonSerializable(typeof(HostList))]
[JsonSerializable(typeof(HostRegistration))]
[JsonSerializable(typeof(ApiKeyInfo))]
[JsonSerializable(typeof(ApiKeyList))]
[JsonSerializable(typeof(WrennSession))]
internal sealed partial class SdkJsonContext : JsonSerializerContext;
