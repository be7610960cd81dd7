using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>The outcome and, when usable, the sandbox as it is now (host, tokens).</summary>
/// <param name="Message">Why it cannot be used, for the caller's error body.</param>
public sealed record SandboxWakeResult(SandboxWakeOutcome Outcome, SandboxEntity? Sandbox, string? Message = null)
{
    /// <summary>When resuming failed: what kind of failure (the message says more). Null otherwise.</summary>
    public SandboxErrorKind? ErrorKind { get; init; }

    public bool IsUsable => Outcome is SandboxWakeOutcome.Running or SandboxWakeOutcome.Resumed;
}
