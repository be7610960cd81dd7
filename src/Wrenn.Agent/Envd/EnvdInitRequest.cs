using System.Text.Json.Serialization;

namespace Wrenn.Agent.Envd;

/// <summary>
/// Body of envd's POST /init (E2B's field names). <see cref="Entropy"/> is Wrenn's: fresh base64 bytes
/// for the guest kernel's random pool, so VMs restored from one snapshot do not share its random state.
/// <see cref="Hostname"/> is Wrenn's too: the name a VM's envd gives its guest (left out when null).
/// </summary>
public sealed record EnvdInitRequest(
    [property: JsonPropertyName("accessToken")] string AccessToken,
    [property: JsonPropertyName("envVars")] Dictionary<string, string> EnvVars,
    [property: JsonPropertyName("defaultUser")] string DefaultUser,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp,
    [property: JsonPropertyName("entropy")] string Entropy,
    [property: JsonPropertyName("hostname"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Hostname = null);
