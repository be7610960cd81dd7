using System.Text.Json.Serialization;

namespace Wrenn.ControlPlane.E2b.Contracts;

/// <summary>
/// The body of POST /sandboxes and POST /v2/sandboxes (E2B's NewSandbox / NewSandboxV2). Only the
/// fields Wrenn implements are read; the SDKs keep adding others (network, mcp, volumeMounts,
/// secure, allow_internet_access…), which are accepted and ignored.
/// </summary>
/// <param name="Timeout">Lifetime in seconds from now; absent: 15 on the v1 path, 300 on v2 (E2B's defaults).</param>
public sealed record E2bNewSandbox(
    [property: JsonPropertyName("templateID")] string? TemplateId,
    int? Timeout,
    bool? AutoPause,
    E2bAutoResumeConfig? AutoResume,
    Dictionary<string, string>? Metadata,
    Dictionary<string, string>? EnvVars);
