namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of POST /v1/sandboxes; every field is optional.</summary>
public sealed record CreateSandboxRequest(
    string? Template,
    int? Vcpus,
    int? MemoryMb,
    int? TimeoutSec,
    Dictionary<string, string>? Metadata,
    Dictionary<string, string>? Env);
