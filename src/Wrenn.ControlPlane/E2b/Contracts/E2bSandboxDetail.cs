using System.Text.Json.Serialization;

namespace Wrenn.ControlPlane.E2b.Contracts;

/// <summary>E2B's SandboxDetail: GET /sandboxes/{sandboxID}.</summary>
public sealed record E2bSandboxDetail(
    [property: JsonPropertyName("templateID")] string TemplateId,
    string? Alias,
    [property: JsonPropertyName("sandboxID")] string SandboxId,
    [property: JsonPropertyName("clientID")] string ClientId,
    DateTime StartedAt,
    DateTime EndAt,
    string EnvdVersion,
    string? EnvdAccessToken,
    string? Domain,
    int CpuCount,
    [property: JsonPropertyName("memoryMB")] int MemoryMb,
    [property: JsonPropertyName("diskSizeMB")] int DiskSizeMb,
    Dictionary<string, string> Metadata,
    string State,
    E2bSandboxLifecycle Lifecycle);
