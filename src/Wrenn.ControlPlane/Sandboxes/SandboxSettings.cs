using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>The timers of a sandbox: its inactivity timeout, its end time, and pings that reset the first.</summary>
public sealed class SandboxSettings(SandboxLookup lookup, IAgentGateway gateway, TimeProvider clock)
{
    /// <summary>
    /// Changes the inactivity timeout. The host's own timer takes the new value at the next resume; a
    /// running sandbox's ping resets it meanwhile.
    /// </summary>
    public async Task<SandboxResult<SandboxDetails>> SetInactivityTimeoutAsync(SandboxCaller caller, string sandboxId, int timeoutSec, CancellationToken cancellationToken)
    {
        if (SandboxCommandRules.CheckInactivityTimeout(timeoutSec) is { } broken)
        {
            return SandboxError.BadRequest(broken);
        }

        var sandbox = await FindLiveAsync(caller, sandboxId, cancellationToken).ConfigureAwait(false);
        if (!sandbox.Succeeded)
        {
            return sandbox.Error;
        }

        sandbox.Value.TimeoutSec = timeoutSec;
        await lookup.SaveAsync().ConfigureAwait(false);
        return SandboxViews.ToDetails(sandbox.Value);
    }

    public async Task<SandboxResult<SandboxDetails>> SetEndTimeAsync(SandboxCaller caller, string sandboxId, TimeSpan? lifetime, CancellationToken cancellationToken)
    {
        if (SandboxCommandRules.CheckLifetime(lifetime) is { } broken)
        {
            return SandboxError.BadRequest(broken);
        }

        var sandbox = await FindLiveAsync(caller, sandboxId, cancellationToken).ConfigureAwait(false);
        if (!sandbox.Succeeded)
        {
            return sandbox.Error;
        }

        SandboxResumer.SetEnd(sandbox.Value, lifetime, onlyExtend: false, clock.GetUtcNow().UtcDateTime);
        await lookup.SaveAsync().ConfigureAwait(false);
        return SandboxViews.ToDetails(sandbox.Value);
    }

    public async Task<SandboxResult<SandboxDetails>> PingAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken)
    {
        var found = await lookup.FindOnHostAsync(caller.TeamId, sandboxId, cancellationToken, SandboxStates.Running, SandboxStates.Paused).ConfigureAwait(false);
        if (!found.Succeeded)
        {
            return found.Error;
        }

        var pinged = await gateway.PingSandboxAsync(found.Value.Host, sandboxId, cancellationToken).ConfigureAwait(false);
        if (!pinged.Succeeded)
        {
            return pinged.Error;
        }

        found.Value.Sandbox.LastActiveAt = clock.GetUtcNow().UtcDateTime;
        await lookup.SaveAsync().ConfigureAwait(false);
        return SandboxViews.ToDetails(found.Value.Sandbox);
    }

    private async Task<SandboxResult<SandboxEntity>> FindLiveAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken)
    {
        var sandbox = await lookup.FindAsync(caller.TeamId, sandboxId, cancellationToken).ConfigureAwait(false);
        if (sandbox is null)
        {
            return SandboxError.SandboxNotFound(sandboxId);
        }

        return sandbox.State is SandboxStates.Stopped or SandboxStates.Error
            ? SandboxError.Conflict($"sandbox {sandboxId} is {sandbox.State}")
            : sandbox;
    }
}
