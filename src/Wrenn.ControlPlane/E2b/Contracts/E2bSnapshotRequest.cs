namespace Wrenn.ControlPlane.E2b.Contracts;

/// <summary>The body of POST /sandboxes/{id}/snapshots: the template's name (generated when absent).</summary>
public sealed record E2bSnapshotRequest(string? Name);
