namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of GET /v1/sandboxes.</summary>
public sealed record SandboxListResponse(IReadOnlyList<SandboxResponse> Sandboxes);
