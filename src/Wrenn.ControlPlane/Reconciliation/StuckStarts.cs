using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Reconciliation;

/// <summary>
/// One reconciler step for one answering host: a sandbox <c>starting</c> for longer than the grace
/// (WRENN_STARTING_GRACE_SEC) is a create whose outcome was never written (the database failed, or the
/// control plane died, between the agent's create and the write of <c>running</c>). The host's list
/// settles it: running (or paused) there makes it so in the database; absent, or failed there, makes
/// it <c>error</c>, and the host's copy is then destroyed with everything else the database does not
/// want (<see cref="HostSandboxSync"/>). One the host still lists as starting is left to its own deadline.
/// </summary>
public sealed class StuckStarts(WrennDbContext db, TimeSpan grace, TimeProvider clock, ILogger logger)
{
    /// <summary>Settles the host's stuck rows against its listing taken at <paramref name="listedAt"/>; returns the ids it changed.</summary>
    public async Task<IReadOnlyList<string>> SettleAsync(HostEntity host, IReadOnlyDictionary<string, Agent.SandboxInfo> onHost, DateTime listedAt, CancellationToken cancellationToken)
    {
        // Placed before the listing by more than the grace: its create (bounded by the agent's create
        // deadline, shorter than the grace) is over, and the listing shows where it ended.
        var before = listedAt - grace;
        var stuck = await db.Sandboxes.AsNoTracking()
            .Where(s => s.HostId == host.Id && s.State == SandboxStates.Starting && s.CreatedAt < before)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var changed = new List<string>();
        foreach (var sandbox in stuck)
        {
            var info = onHost.GetValueOrDefault(sandbox.Id);
            if (info?.State == Agent.SandboxState.Starting)
            {
                continue;
            }

            if (await SettleOneAsync(sandbox, info, host, cancellationToken).ConfigureAwait(false))
            {
                changed.Add(sandbox.Id);
            }
        }

        return changed;
    }

    private async Task<bool> SettleOneAsync(SandboxEntity sandbox, Agent.SandboxInfo? info, HostEntity host, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var state = info?.State switch
        {
            Agent.SandboxState.Running => SandboxStates.Running,
            Agent.SandboxState.Paused => SandboxStates.Paused,
            _ => SandboxStates.Error,
        };

        // Conditional on the row still starting: a create that did write its outcome, or a kill, wins.
        var row = db.Sandboxes.Where(s => s.Id == sandbox.Id && s.State == SandboxStates.Starting);
        int updated;
        if (state == SandboxStates.Error)
        {
            updated = await row.ExecuteUpdateAsync(set => set.SetProperty(s => s.State, state).SetProperty(s => s.StoppedAt, now), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // What the create would have written: envd's token and version, and the end of a lifetime counted from the create.
            var token = info!.EnvdAccessToken is { Length: > 0 } reported ? reported : sandbox.EnvdAccessToken;
            var version = info.EnvdVersion is { Length: > 0 } reportedVersion ? reportedVersion : sandbox.EnvdVersion;
            var startedAt = sandbox.StartedAt ?? sandbox.CreatedAt;
            DateTime? endAt = sandbox.LifetimeSec is { } lifetime ? startedAt.AddSeconds(lifetime) : null;
            updated = await row.ExecuteUpdateAsync(
                set => set.SetProperty(s => s.State, state).SetProperty(s => s.EnvdAccessToken, token).SetProperty(s => s.EnvdVersion, version)
                    .SetProperty(s => s.StartedAt, startedAt).SetProperty(s => s.EndAt, endAt),
                cancellationToken).ConfigureAwait(false);
        }

        if (updated == 0)
        {
            return false;
        }

        if (info is null)
        {
            logger.StuckStartMissing(sandbox.Id, grace, host.Id);
        }
        else if (state == SandboxStates.Error)
        {
            logger.StuckStartFailed(sandbox.Id, grace, host.Id, info.State.ToString());
        }
        else
        {
            logger.StuckStartSettled(sandbox.Id, grace, host.Id, info.State.ToString(), state);
        }

        return true;
    }
}
