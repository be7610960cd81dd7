namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Makes a sandbox usable before a face (exec, files, E2B connect, the traffic proxy) sends it work:
/// a paused sandbox created with auto-resume is resumed first, once however many callers arrive at
/// the same time. Every face goes through this so "next use resumes it" means the same everywhere.
/// </summary>
public interface ISandboxWaker
{
    /// <summary>
    /// Finds <paramref name="sandboxId"/> (within <paramref name="teamId"/> when given; the proxy passes
    /// null and checks the traffic token itself) and returns it running, resumed, or why it cannot be used.
    /// </summary>
    Task<SandboxWakeResult> EnsureRunningAsync(string sandboxId, string? teamId, CancellationToken cancellationToken);
}
