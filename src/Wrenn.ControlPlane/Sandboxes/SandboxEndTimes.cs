using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Wrenn.Telemetry;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Enforces end times (the reconciler calls it every pass): a running sandbox past its end is killed,
/// or paused when it was made with auto-pause. Paused sandboxes are left alone: pausing is what an end
/// time with auto-pause asks for, and E2B keeps explicitly paused sandboxes until they are resumed or killed.
/// </summary>
public sealed class SandboxEndTimes(WrennDbContext db, HostLiveness liveness, SandboxKiller killer, SandboxPauser pauser, ILogger<SandboxEndTimes> logger)
{
    /// <summary>Acts on the sandboxes whose end is at or before <paramref name="now"/>; returns how many it stopped or paused.</summary>
    public async Task<int> EnforceAsync(DateTime now, CancellationToken cancellationToken)
    {
        var due = await db.Sandboxes
            .Where(s => s.State == SandboxStates.Running && s.EndAt != null && s.EndAt <= now)
            .OrderBy(s => s.EndAt)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (due.Count == 0)
        {
            return 0;
        }

        var hostIds = due.Select(s => s.HostId).Distinct().ToList();
        var hosts = await liveness.Answering(db).Where(h => hostIds.Contains(h.Id)).ToDictionaryAsync(h => h.Id, cancellationToken).ConfigureAwait(false);
        var done = 0;
        foreach (var sandbox in due)
        {
            // A silent host's sandboxes wait: the reconciler marks them lost, and running again if the host returns with them.
            if (!hosts.TryGetValue(sandbox.HostId, out var host))
            {
                continue;
            }

            using var scope = logger.BeginScope(new SandboxLogScope(sandbox.Id));
            var reason = $"end time {sandbox.EndAt:O} reached";
            var error = sandbox.AutoPause
                ? (await pauser.PauseAsync(sandbox, host, null, reason, cancellationToken).ConfigureAwait(false)).Error
                : (await killer.KillAsync(sandbox, host, null, reason, cancellationToken).ConfigureAwait(false)).Error;
            if (error is null)
            {
                done++;
                logger.EndTimeReached(sandbox.Id, sandbox.AutoPause ? "paused" : "killed");
            }
            else
            {
                logger.EndTimeActionFailed(sandbox.Id, sandbox.AutoPause ? "paused" : "killed", error.Message);
            }
        }

        return done;
    }
}
