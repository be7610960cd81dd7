namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Lets exec and file calls in: wakes the sandbox (auto-resume), records the use as activity, and hands
/// over the sandbox with its host.
/// </summary>
public sealed class SandboxWorkGate(ISandboxWaker waker, ISandboxActivity activity, SandboxLookup lookup)
{
    public async Task<SandboxResult<SandboxTarget>> OpenAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken)
    {
        // The common case, a running sandbox of the caller's team, in one query; anything else (paused, to
        // wake; stopped, lost, unknown, no host: to explain) takes the waker's path as before.
        if (await lookup.FindRunningWithHostAsync(caller.TeamId, sandboxId, cancellationToken).ConfigureAwait(false) is ({ } running, { } host))
        {
            await activity.RecordAsync(sandboxId, cancellationToken).ConfigureAwait(false);
            return new SandboxTarget(SandboxViews.ToDetails(running), host, Resumed: false);
        }

        var woken = await waker.EnsureRunningAsync(sandboxId, caller.TeamId, cancellationToken).ConfigureAwait(false);
        if (!woken.IsUsable)
        {
            return woken.Outcome switch
            {
                SandboxWakeOutcome.NotFound when woken.Sandbox is { } stopped => SandboxError.Conflict($"sandbox {sandboxId} is {stopped.State}, not running"),
                SandboxWakeOutcome.NotFound => SandboxError.SandboxNotFound(sandboxId),
                SandboxWakeOutcome.Paused => SandboxError.Conflict($"sandbox {sandboxId} is paused, not running"),
                _ when woken.Sandbox is { } sandbox && woken.Message is null => SandboxError.Conflict($"sandbox {sandboxId} is {sandbox.State}, not running"),
                _ => new SandboxError(woken.ErrorKind ?? SandboxErrorKind.Conflict, woken.Message ?? $"sandbox {sandboxId} is not running"),
            };
        }

        var onHost = await lookup.OnHostAsync(woken.Sandbox!, cancellationToken).ConfigureAwait(false);
        if (!onHost.Succeeded)
        {
            return onHost.Error;
        }

        await activity.RecordAsync(sandboxId, cancellationToken).ConfigureAwait(false);
        return new SandboxTarget(SandboxViews.ToDetails(woken.Sandbox!), onHost.Value.Host, woken.Outcome == SandboxWakeOutcome.Resumed);
    }
}
