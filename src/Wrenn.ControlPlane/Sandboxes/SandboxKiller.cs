using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>Destroys a sandbox on its host and marks it stopped: for a caller, or for the end time (no caller).</summary>
public sealed class SandboxKiller(WrennDbContext db, IAgentGateway gateway, IAuditLog audit, TimeProvider clock, IEnumerable<ISandboxStateListener> listeners)
{
    /// <param name="host">Null when the sandbox has no host any more: only the database has to catch up.</param>
    /// <param name="caller">Who asked; null for the control plane itself (the end time).</param>
    public async Task<SandboxResult<SandboxKillOutcome>> KillAsync(SandboxEntity sandbox, HostEntity? host, SandboxCaller? caller, string? reason, CancellationToken cancellationToken)
    {
        if (sandbox.State == SandboxStates.Stopped)
        {
            return SandboxKillOutcome.AlreadyStopped;
        }

        if (host is not null)
        {
            var destroyed = await gateway.DestroySandboxAsync(host, sandbox.Id, cancellationToken).ConfigureAwait(false);
            if (!destroyed.Succeeded)
            {
                return destroyed.Error;
            }
        }

        sandbox.State = SandboxStates.Stopped;
        sandbox.StoppedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        listeners.StateChanged(sandbox.Id);
        await audit.RecordAsync(
            new AuditEntry(AuditActions.SandboxDeleted, sandbox.TeamId, caller?.UserId, caller?.ApiKeyId, sandbox.Id, caller?.RemoteAddress, reason),
            CancellationToken.None).ConfigureAwait(false);
        return SandboxKillOutcome.Killed;
    }
}
