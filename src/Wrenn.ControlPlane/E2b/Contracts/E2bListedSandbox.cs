using System.Text.Json.Serialization;

namespace Wrenn.ControlPlane.E2b.Contracts;

/// <summary>E2B's ListedSandbox: one entry of GET /v2/sandboxes and GET /sandboxes.</summary>
public sealed record E2bListedSandbox(
    [property: JsonPropertyName("templateID")] string TemplateId,
    string? Alias,
    [property: JsonPropertyName("sandboxID")] string SandboxId,
    [property: JsonPropertyName("clientID")] string ClientId,
    DateTime StartedAt,
    DateTime EndAt,
    int CpuCount,
    [property: JsonPropertyName("memoryMB")] int MemoryMb,
    [property: JsonPropertyName("diskSizeMB")] int DiskSizeMb,
    Dictionary<string, string> Metadata,
    string State,
    string EnvdVersion);
