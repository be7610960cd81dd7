using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>Moves paused sandboxes between hosts (a draining host's, or one resumed while its host drains).</summary>
public interface ISandboxMover
{
    /// <summary>
    /// Moves the paused sandbox to another host the scheduler chooses; on any failure it stays where it
    /// was, paused and usable, and the failure is noted on it (shown in its host's drain progress).
    /// </summary>
    Task<SandboxResult<SandboxMove>> MoveAsync(string sandboxId, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Why the sandbox could not be moved now (no other host of its runtime has room), or null when a
    /// host would take it: asked before a running sandbox is paused to be moved, so that one that could
    /// not go anywhere is not stopped for nothing. Reserves nothing.
    /// </summary>
    Task<SandboxError?> CheckTargetAsync(SandboxEntity sandbox, CancellationToken cancellationToken);

    /// <summary>
    /// The host a paused sandbox should resume on: its own, or, when its host is draining, the one it was
    /// just moved to (its tracked row is read again). A move already under way (a drain's) is waited
    /// for. A sandbox that cannot move resumes where it is.
    /// </summary>
    Task<SandboxResult<HostEntity>> PrepareResumeAsync(SandboxEntity sandbox, HostEntity host, CancellationToken cancellationToken);
}
