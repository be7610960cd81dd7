namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of POST /v1/sandboxes/{id}/files/mkdir.</summary>
public sealed record MakeDirRequest(string? Path, string? User);
