using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>Pauses a running sandbox: for a caller, or at the end time of an auto-pause sandbox (no caller).</summary>
public sealed class SandboxPauser(WrennDbContext db, IAgentGateway gateway, IAuditLog audit, IEnumerable<ISandboxStateListener> listeners, Telemetry.RequestSteps steps)
{
    public async Task<SandboxResult<SandboxDetails>> PauseAsync(SandboxEntity sandbox, HostEntity host, SandboxCaller? caller, string? reason, CancellationToken cancellationToken)
    {
        if (sandbox.State != SandboxStates.Running)
        {
            return SandboxError.Conflict($"sandbox {sandbox.Id} is {sandbox.State}, not running");
        }

        steps.Mark("lookup");
        var paused = await gateway.PauseSandboxAsync(host, sandbox.Id, cancellationToken).ConfigureAwait(false);
        steps.Mark("agent");
        if (!paused.Succeeded)
        {
            // A failed pause must not leave "running" on a sandbox the host no longer has.
            if (paused.Error.Kind == SandboxErrorKind.NotFound || !await StillOnHostAsync(host, sandbox.Id).ConfigureAwait(false))
            {
                sandbox.State = SandboxStates.Error;
                await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
                listeners.StateChanged(sandbox.Id);
            }

            return paused.Error;
        }

        sandbox.State = SandboxStates.Paused;
        try
        {
            // The new state and its audit entry in one commit.
            await audit.SaveWithAsync(
                db,
                new AuditEntry(AuditActions.SandboxPaused, sandbox.TeamId, caller?.UserId, caller?.ApiKeyId, sandbox.Id, caller?.RemoteAddress, reason),
                CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            // The host paused it but the database cannot say so (full, unreachable): the database still
            // says running, so the sandbox must run again, or every call to it is refused as paused while
            // nothing lists it so. The caller gets the database's error (507, 503).
            sandbox.State = SandboxStates.Running;
            await gateway.ResumeSandboxAsync(host, sandbox.Id, sandbox.TimeoutSec, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        steps.Mark("save");
        listeners.StateChanged(sandbox.Id);
        return SandboxViews.ToDetails(sandbox);
    }

    private async Task<bool> StillOnHostAsync(HostEntity host, string sandboxId)
    {
        var listed = await gateway.ListSandboxesAsync(host, CancellationToken.None).ConfigureAwait(false);

        // Cannot tell: do not claim it vanished.
        return !listed.Succeeded || listed.Value.Sandboxes.Any(s => s.SandboxId == sandboxId);
    }
}
