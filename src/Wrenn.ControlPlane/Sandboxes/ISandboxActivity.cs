namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Counts use of a sandbox as activity for its inactivity timer (database and host agent), so a
/// sandbox that is only reached through the traffic proxy is not paused as idle. Cheap to call on
/// every request: implementations coalesce calls per sandbox.
/// </summary>
public interface ISandboxActivity
{
    ValueTask RecordAsync(string sandboxId, CancellationToken cancellationToken);

    /// <summary>
    /// Tells the activity record that <paramref name="sandboxId"/> was just made active at
    /// <paramref name="at"/> by the caller itself (a create wrote last_active_at, and the host's timer
    /// starts at the create), so calls within the interval after it need not record again.
    /// </summary>
    void MarkRecorded(string sandboxId, DateTime at);
}
