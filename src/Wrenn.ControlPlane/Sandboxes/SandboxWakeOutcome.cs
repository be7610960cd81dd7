namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>What <see cref="ISandboxWaker.EnsureRunningAsync"/> found.</summary>
public enum SandboxWakeOutcome
{
    /// <summary>It was running already.</summary>
    Running,

    /// <summary>It was paused with auto-resume and has been resumed by this or a concurrent call.</summary>
    Resumed,

    /// <summary>No such sandbox (or another team's, or stopped).</summary>
    NotFound,

    /// <summary>Paused, and not created with auto-resume: the caller must resume it explicitly.</summary>
    Paused,

    /// <summary>It is in a state that cannot take work (starting, error), or resuming it failed.</summary>
    Unavailable,
}
