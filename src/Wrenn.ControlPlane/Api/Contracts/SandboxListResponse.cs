namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of GET /v1/sandboxes: one page, and the cursor of the next (null on the last).</summary>
public sealed record SandboxListResponse(IReadOnlyList<SandboxResponse> Sandboxes, string? NextCursor);
