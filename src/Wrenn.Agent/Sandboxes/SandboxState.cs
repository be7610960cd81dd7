namespace Wrenn.Agent.Sandboxes;

/// <summary>Where a sandbox is in its life on this host.</summary>
public enum SandboxState
{
    Starting,
    Running,
    Pausing,
    Paused,
    Resuming,
    Stopping,
    Error,
}
