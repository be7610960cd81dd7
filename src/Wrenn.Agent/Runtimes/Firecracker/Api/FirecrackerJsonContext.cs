using System.Text.Json.Serialization;

namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>
/// Source-generated JSON for Firecracker's API: snake_case field names, enums by name, and optional
/// fields left out rather than sent as null (Firecracker's parser rejects a null where it expects a value).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(BootSource))]
[JsonSerializable(typeof(Drive))]
[JsonSerializable(typeof(NetworkInterface))]
[JsonSerializable(typeof(MachineConfiguration))]
[JsonSerializable(typeof(InstanceActionInfo))]
[JsonSerializable(typeof(VmStateUpdate))]
[JsonSerializable(typeof(SnapshotCreateParams))]
[JsonSerializable(typeof(SnapshotLoadParams))]
[JsonSerializable(typeof(LoggerConfig))]
[JsonSerializable(typeof(MetricsConfig))]
[JsonSerializable(typeof(EntropyDevice))]
[JsonSerializable(typeof(VsockDevice))]
[JsonSerializable(typeof(InstanceInfo))]
[JsonSerializable(typeof(ApiFault))]
internal sealed partial class FirecrackerJsonContext : JsonSerializerContext;
