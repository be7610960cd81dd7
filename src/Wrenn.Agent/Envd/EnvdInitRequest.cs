using System.Text.Json.Serialization;

namespace Wrenn.Agent.Envd;

/// <summary>Body of envd's POST /init (E2B's field names).</summary>
public sealed record EnvdInitRequest(
    [property: JsonPropertyName("accessToken")] string AccessToken,
    [property: JsonPropertyName("envVars")] Dictionary<string, string> EnvVars,
    [property: JsonPropertyName("defaultUser")] string DefaultUser,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp);
