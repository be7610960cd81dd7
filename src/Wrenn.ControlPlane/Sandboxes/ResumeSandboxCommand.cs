namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>How a paused sandbox resumes.</summary>
/// <param name="InactivityTimeoutSec">Null: keep the sandbox's own.</param>
/// <param name="Lifetime">New end time from now; null: the sandbox's last lifetime again (when it had one).</param>
public sealed record ResumeSandboxCommand(int? InactivityTimeoutSec = null, TimeSpan? Lifetime = null);
