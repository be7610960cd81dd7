namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>A sandbox on a draining host whose last move (or pause) failed: it stays there until a later try succeeds.</summary>
public sealed record HostDrainFailureResponse(string SandboxId, string State, string Reason, DateTime FailedAt);
