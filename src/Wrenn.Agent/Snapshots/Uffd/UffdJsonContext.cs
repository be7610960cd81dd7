using System.Text.Json.Serialization;

namespace Wrenn.Agent.Snapshots.Uffd;

/// <summary>Source-generated JSON for Firecracker's userfaultfd handshake (snake_case, as Firecracker's serde writes it).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(List<GuestRegionUffdMapping>))]
internal sealed partial class UffdJsonContext : JsonSerializerContext;
