using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>The caller's state changes: kill, pause, resume, connect.</summary>
public sealed class SandboxLifecycle(SandboxLookup lookup, SandboxKiller killer, SandboxPauser pauser, SandboxResumer resumer, SandboxWaker waker)
{
    public async Task<SandboxResult<SandboxKillOutcome>> KillAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken)
    {
        var sandbox = await lookup.FindAsync(caller.TeamId, sandboxId, cancellationToken).ConfigureAwait(false);
        if (sandbox is null)
        {
            return SandboxError.SandboxNotFound(sandboxId);
        }

        if (sandbox.State == SandboxStates.Stopped)
        {
            return SandboxKillOutcome.AlreadyStopped;
        }

        // A lost sandbox's host does not answer: it is stopped here, and the reconciler destroys it on
        // the host if the host comes back with it.
        if (sandbox.State == SandboxStates.Lost)
        {
            return await killer.KillAsync(sandbox, null, caller, "its host was unreachable", cancellationToken).ConfigureAwait(false);
        }

        var onHost = await lookup.OnHostAsync(sandbox, cancellationToken).ConfigureAwait(false);
        return await killer.KillAsync(sandbox, onHost.Succeeded ? onHost.Value.Host : null, caller, null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<SandboxResult<SandboxDetails>> PauseAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken)
    {
        var found = await lookup.FindOnHostAsync(caller.TeamId, sandboxId, cancellationToken, SandboxStates.Running).ConfigureAwait(false);
        return found.Succeeded
            ? await pauser.PauseAsync(found.Value.Sandbox, found.Value.Host, caller, null, cancellationToken).ConfigureAwait(false)
            : found.Error;
    }

    public async Task<SandboxResult<SandboxDetails>> ResumeAsync(SandboxCaller caller, string sandboxId, ResumeSandboxCommand command, CancellationToken cancellationToken)
    {
        if (command.InactivityTimeoutSec is { } timeout && SandboxCommandRules.CheckInactivityTimeout(timeout) is { } badTimeout)
        {
            return SandboxError.BadRequest(badTimeout);
        }

        if (SandboxCommandRules.CheckLifetime(command.Lifetime) is { } badLifetime)
        {
            return SandboxError.BadRequest(badLifetime);
        }

        var found = await lookup.FindOnHostAsync(caller.TeamId, sandboxId, cancellationToken, SandboxStates.Paused).ConfigureAwait(false);
        return found.Succeeded
            ? await resumer.ResumeAsync(found.Value.Sandbox, found.Value.Host, command.InactivityTimeoutSec, command.Lifetime, onlyExtend: false, caller, cancellationToken).ConfigureAwait(false)
            : found.Error;
    }

    public async Task<SandboxResult<SandboxConnection>> ConnectAsync(SandboxCaller caller, string sandboxId, ConnectSandboxCommand command, CancellationToken cancellationToken)
    {
        if (SandboxCommandRules.CheckLifetime(command.Lifetime) is { } badLifetime)
        {
            return SandboxError.BadRequest(badLifetime);
        }

        var sandbox = await lookup.FindAsync(caller.TeamId, sandboxId, cancellationToken).ConfigureAwait(false);
        if (sandbox is null || sandbox.State == SandboxStates.Stopped)
        {
            return SandboxError.SandboxNotFound(sandboxId);
        }

        if (sandbox.State == SandboxStates.Running)
        {
            return new SandboxConnection(await resumer.ExtendEndAsync(sandbox, command.Lifetime).ConfigureAwait(false), Resumed: false);
        }

        if (sandbox.State == SandboxStates.Lost)
        {
            return LostSandbox.Error(sandbox);
        }

        if (sandbox.State != SandboxStates.Paused)
        {
            return SandboxError.Conflict($"sandbox {sandboxId} is {sandbox.State}");
        }

        // Through the waker: concurrent connects (and exec or proxied requests) resume it once.
        var woken = await waker.ResumeNowAsync(sandboxId, cancellationToken).ConfigureAwait(false);
        if (!woken.IsUsable)
        {
            return new SandboxError(woken.ErrorKind ?? SandboxErrorKind.Conflict, woken.Message ?? $"sandbox {sandboxId} could not be resumed");
        }

        await lookup.ReloadAsync(sandbox, cancellationToken).ConfigureAwait(false);
        return new SandboxConnection(await resumer.ExtendEndAsync(sandbox, command.Lifetime).ConfigureAwait(false), Resumed: woken.Outcome == SandboxWakeOutcome.Resumed);
    }
}
