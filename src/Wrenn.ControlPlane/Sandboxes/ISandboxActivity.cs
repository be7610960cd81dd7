namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Counts use of a sandbox as activity for its inactivity timer (database and host agent), so a
/// sandbox that is only reached through the traffic proxy is not paused as idle. Cheap to call on
/// every request: implementations coalesce calls per sandbox.
/// </summary>
public interface ISandboxActivity
{
    ValueTask RecordAsync(string sandboxId, CancellationToken cancellationToken);
}
