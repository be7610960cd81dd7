using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Reconciliation;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Removes template copies from hosts where no sandbox from them was placed for
/// WRENN_TEMPLATE_COPY_IDLE_SEC and none stands on them now. Only copies: a template's own host keeps
/// it until the template is deleted, so every template can always be copied again. Runs on the replica
/// that leads the reconciler; a host that does not answer, or refuses (a template made there from a
/// sandbox that started from the copy stands on it), keeps its copy until a later pass.
/// </summary>
public sealed class TemplateCopyEvictor(
    IServiceScopeFactory scopes,
    IAgentGateway gateway,
    ILeadership leadership,
    HostLiveness liveness,
    IOptions<ControlPlaneOptions> options,
    TimeProvider clock,
    ILogger<TemplateCopyEvictor> logger) : BackgroundService
{
    private static readonly string[] UsingStates = [.. SandboxStates.OnHost, SandboxStates.Lost];

    private TimeSpan Idle => options.Value.Scheduling.TemplateCopyIdle;

    /// <summary>One pass, when this replica leads; the copies it removed.</summary>
    public async Task<int> EvictAsync(CancellationToken cancellationToken)
    {
        if (!await leadership.IsLeaderAsync(cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WrennDbContext>();
        var cutoff = clock.GetUtcNow().UtcDateTime - Idle;
        var stale = await db.TemplateCopies.Where(c => c.LastUsedAt < cutoff).ToListAsync(cancellationToken).ConfigureAwait(false);
        var evicted = 0;
        foreach (var copy in stale)
        {
            if (await EvictOneAsync(db, copy, cancellationToken).ConfigureAwait(false))
            {
                evicted++;
            }
        }

        return evicted;
    }

    private async Task<bool> EvictOneAsync(WrennDbContext db, TemplateCopyEntity copy, CancellationToken cancellationToken)
    {
        var template = await db.Templates.FindAsync([copy.TemplateId], cancellationToken).ConfigureAwait(false);
        if (template is not null && await db.Sandboxes.AnyAsync(
                s => s.HostId == copy.HostId && s.TeamId == template.TeamId && s.Template == template.Name && UsingStates.Contains(s.State),
                cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var host = await liveness.Answering(db).FirstOrDefaultAsync(h => h.Id == copy.HostId, cancellationToken).ConfigureAwait(false);
        if (host is null)
        {
            logger.TemplateCopyKept(copy.TemplateId, copy.HostId, "the host is not answering");
            return false;
        }

        var removed = await gateway.DeleteSnapshotAsync(host, copy.TemplateId, cancellationToken).ConfigureAwait(false);
        if (!removed.Succeeded)
        {
            logger.TemplateCopyKept(copy.TemplateId, copy.HostId, removed.Error.Message);
            return false;
        }

        db.TemplateCopies.Remove(copy);
        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        logger.TemplateCopyEvicted(copy.TemplateId, copy.HostId, copy.LastUsedAt);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Often enough that a copy goes soon after its idle time ends, rarely enough to cost nothing.
        var period = TimeSpan.FromTicks(Math.Clamp(Idle.Ticks / 4, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromMinutes(5).Ticks));
        using var timer = new PeriodicTimer(period, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await EvictAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.EvictionFailed(ex);
            }
        }
    }
}
