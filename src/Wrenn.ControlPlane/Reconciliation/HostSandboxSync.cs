using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Sandboxes;
using Agent = Wrenn.Common.HostAgent.V1;
using Wrenn.Telemetry;

namespace Wrenn.ControlPlane.Reconciliation;

/// <summary>
/// One reconciler step for one answering host: compares what its agent lists with the database.
/// A sandbox running or paused in the database but gone from the host is <c>stopped</c>; one the host
/// paused for inactivity is <c>paused</c>; a <c>lost</c> one (the host was silent and is back) is
/// running or paused again as the host reports it, or <c>stopped</c> when it did not survive. Then
/// whatever the host runs that the database does not want there (no row, a row on another host, a
/// stopped or failed one) is destroyed on the host: a sandbox never runs on two hosts, and nothing
/// killed while its host was away keeps running when the host returns. A sandbox stuck <c>starting</c>
/// past <paramref name="startingGrace"/> is settled from the same listing (<see cref="StuckStarts"/>).
/// A sandbox being moved (<see cref="SandboxMover"/>) is on two hosts for a moment: the copy on the host
/// its row is marked as moving to is left alone (unless the mark is older than
/// <paramref name="moveStaleBefore"/>: that move ended with the control plane that ran it), and one that
/// arrived after the listing was taken is not taken for gone.
/// </summary>
public sealed class HostSandboxSync(WrennDbContext db, IAgentGateway gateway, TimeSpan startingGrace, DateTime moveStaleBefore, TimeProvider clock, ILogger logger)
{
    private static readonly string[] Compared = [SandboxStates.Running, SandboxStates.Paused, SandboxStates.Lost];

    /// <summary>States in which the control plane no longer wants a sandbox anywhere.</summary>
    private static readonly string[] Unwanted = [SandboxStates.Stopped, SandboxStates.Error];

    /// <summary>Brings the host's rows in line; returns the ids whose state changed, or null when the host did not list.</summary>
    public async Task<IReadOnlyList<string>?> SyncAsync(HostEntity host, CancellationToken cancellationToken)
    {
        // What the host lists is as of this moment: a sandbox started (created or resumed) after it
        // cannot be in the list, and must not be taken for one that vanished.
        var listedAt = clock.GetUtcNow().UtcDateTime;
        var answer = await gateway.ListSandboxesAsync(host, cancellationToken).ConfigureAwait(false);
        if (!answer.Succeeded)
        {
            logger.HostDidNotList(host.Id, host.Address, answer.Error.Message);
            return null;
        }

        var listed = answer.Value;
        var onHost = listed.Sandboxes.ToDictionary(s => s.SandboxId, StringComparer.Ordinal);
        var autoPaused = listed.AutoPausedSandboxIds.ToHashSet(StringComparer.Ordinal);
        var known = await db.Sandboxes.Where(s => s.HostId == host.Id && Compared.Contains(s.State)).ToListAsync(cancellationToken).ConfigureAwait(false);
        var changed = new List<string>();
        foreach (var sandbox in known)
        {
            using var scope = logger.BeginScope(new SandboxLogScope(sandbox.Id));
            if (sandbox.State == SandboxStates.Lost)
            {
                if (await ReturnAsync(sandbox, onHost.GetValueOrDefault(sandbox.Id), host, cancellationToken).ConfigureAwait(false))
                {
                    changed.Add(sandbox.Id);
                }
            }
            else if (!onHost.TryGetValue(sandbox.Id, out var info))
            {
                if ((sandbox.StartedAt ?? sandbox.CreatedAt) >= listedAt || sandbox.MovedAt >= listedAt)
                {
                    continue;
                }

                logger.SandboxGone(sandbox.Id, sandbox.State, host.Id);
                sandbox.State = SandboxStates.Stopped;
                sandbox.StoppedAt = clock.GetUtcNow().UtcDateTime;
                changed.Add(sandbox.Id);
            }
            else if (sandbox.State == SandboxStates.Running && autoPaused.Contains(sandbox.Id) && info.State == Agent.SandboxState.Paused)
            {
                logger.SandboxAutoPaused(sandbox.Id);
                sandbox.State = SandboxStates.Paused;
                changed.Add(sandbox.Id);
            }
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);

        // Before the destroys: a stuck start the host failed becomes error here, and is destroyed there next.
        changed.AddRange(await new StuckStarts(db, startingGrace, clock, logger).SettleAsync(host, onHost, listedAt, cancellationToken).ConfigureAwait(false));
        await DestroyUnwantedAsync(host, onHost.Keys, cancellationToken).ConfigureAwait(false);
        return changed;
    }

    /// <summary>
    /// A lost sandbox on its returned host: running or paused again as the host reports it, or stopped
    /// when the host no longer has it; false while the host has it mid-change. The write is conditional
    /// on the row still being lost: a kill that stopped it meanwhile wins (and the next pass destroys it).
    /// </summary>
    private async Task<bool> ReturnAsync(SandboxEntity sandbox, Agent.SandboxInfo? info, HostEntity host, CancellationToken cancellationToken)
    {
        var state = info?.State switch
        {
            null => SandboxStates.Stopped,
            Agent.SandboxState.Running => SandboxStates.Running,
            Agent.SandboxState.Paused => SandboxStates.Paused,
            _ => null,
        };
        if (state is null)
        {
            // Starting or stopping on the host: the next pass sees where it settled.
            return false;
        }

        var token = info?.EnvdAccessToken is { Length: > 0 } reported ? reported : sandbox.EnvdAccessToken;
        var version = info?.EnvdVersion is { Length: > 0 } reportedVersion ? reportedVersion : sandbox.EnvdVersion;
        DateTime? stoppedAt = state == SandboxStates.Stopped ? clock.GetUtcNow().UtcDateTime : sandbox.StoppedAt;
        var updated = await db.Sandboxes.Where(s => s.Id == sandbox.Id && s.State == SandboxStates.Lost)
            .ExecuteUpdateAsync(
                set => set.SetProperty(s => s.State, state).SetProperty(s => s.EnvdAccessToken, token).SetProperty(s => s.EnvdVersion, version).SetProperty(s => s.StoppedAt, stoppedAt),
                cancellationToken).ConfigureAwait(false);
        if (updated == 0)
        {
            return false;
        }

        if (state == SandboxStates.Stopped)
        {
            logger.LostSandboxGone(sandbox.Id, host.Id);
        }
        else
        {
            logger.LostSandboxBack(sandbox.Id, host.Id, state);
        }

        return true;
    }

    /// <summary>
    /// Destroys on the host what it runs and the database does not want there. The rows are read after
    /// the listing: a create writes its row before it asks the host, so a sandbox in the listing whose
    /// row is missing was never wanted or its create was undone.
    /// </summary>
    private async Task DestroyUnwantedAsync(HostEntity host, IReadOnlyCollection<string> listedIds, CancellationToken cancellationToken)
    {
        if (listedIds.Count == 0)
        {
            return;
        }

        var ids = listedIds.ToList();
        var rows = await db.Sandboxes.AsNoTracking()
            .Where(s => ids.Contains(s.Id))
            .Select(s => new { s.Id, s.HostId, s.State, s.MovingToHostId, s.MovedAt })
            .ToDictionaryAsync(s => s.Id, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);
        foreach (var id in ids)
        {
            string why;
            if (!rows.TryGetValue(id, out var row))
            {
                why = "the control plane has no such sandbox";
            }
            else if (row.MovingToHostId == host.Id && row.MovedAt >= moveStaleBefore)
            {
                // Mid-move: the mover switches the row here or destroys this copy itself.
                continue;
            }
            else if (row.HostId != host.Id)
            {
                why = $"it belongs on host {row.HostId}";
            }
            else if (Unwanted.Contains(row.State))
            {
                why = $"it is {row.State}";
            }
            else
            {
                continue;
            }

            using var scope = logger.BeginScope(new SandboxLogScope(id));
            var destroyed = await gateway.DestroySandboxAsync(host, id, cancellationToken).ConfigureAwait(false);
            if (destroyed.Succeeded || destroyed.Error.Kind == SandboxErrorKind.NotFound)
            {
                logger.UnwantedDestroyed(id, host.Id, why);
            }
            else
            {
                logger.UnwantedNotDestroyed(id, host.Id, why, destroyed.Error.Message);
            }
        }
    }
}
