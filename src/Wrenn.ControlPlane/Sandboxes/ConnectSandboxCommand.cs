namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>E2B connect: resume when paused, and make the end time at least now + <paramref name="Lifetime"/> (never earlier).</summary>
public sealed record ConnectSandboxCommand(TimeSpan? Lifetime);
