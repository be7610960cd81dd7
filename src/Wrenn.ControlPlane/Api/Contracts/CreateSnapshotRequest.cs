namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of POST /v1/snapshots: the sandbox to make a template of and the template's name.</summary>
public sealed record CreateSnapshotRequest(string? SandboxId, string? Name);
