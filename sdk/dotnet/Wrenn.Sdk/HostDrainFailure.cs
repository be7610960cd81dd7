namespace Wrenn.Sdk;

/// <summary>A sandbox on a draining host that could not be moved (no other host has room, its move failed…).</summary>
public sealed record HostDrainFailure(string SandboxId, string State, string Reason, DateTime FailedAt);
