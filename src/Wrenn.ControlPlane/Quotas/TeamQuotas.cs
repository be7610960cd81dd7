using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Quotas;

/// <summary>
/// A team's limits (its override, else the defaults) and usage, and the checks that admit a new
/// sandbox or template. Two admissions of one team must not both count the usage before either has
/// inserted, or both could take the last place: a sandbox's admission runs under the placement lock,
/// which serialises every sandbox admission (see <see cref="AdmitSandboxAsync"/>); a template's counts
/// and inserts in one transaction that first writes the team's row (on PostgreSQL that row lock, on
/// SQLite the write lock, makes them wait for each other).
/// </summary>
public sealed class TeamQuotas(WrennDbContext db, AdmissionQueries queries, IOptions<ControlPlaneOptions> options, Telemetry.RequestSteps steps)
{
    /// <summary>
    /// The team's limits (its override over the defaults) and what it uses, in one query (the override as scalar
    /// subqueries beside the usage): an admission holds the placement lock (a sandbox's) or the team's row lock
    /// (a template's) while it reads them, so each round trip saved is one less wait for every create queued behind it.
    /// </summary>
    public async Task<(QuotaLimits Limits, QuotaUsage Usage)> LimitsAndUsageAsync(string teamId, CancellationToken cancellationToken)
    {
        var row = await queries.TeamQuota(db, teamId, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            // No team row: nothing used, and its override (if one was stored) over the defaults.
            var stored = await db.TeamQuotas.AsNoTracking().Where(q => q.TeamId == teamId).SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            return (Limits(stored?.Sandboxes, stored?.Vcpus, stored?.MemoryMb, stored?.Templates, stored?.TemplateBytes), new QuotaUsage(0, 0, 0, 0, 0));
        }

        return (
            Limits(row.OwnSandboxes, row.OwnVcpus, row.OwnMemoryMb, row.OwnTemplates, row.OwnTemplateBytes),
            new QuotaUsage(row.Sandboxes, row.Vcpus, row.MemoryMb, row.Templates, row.TemplateBytes));
    }

    /// <summary>
    /// Inserts the (starting) sandbox if the team has room for it; else nothing and what is over. The caller
    /// holds the <see cref="Scheduling.IPlacementLock"/>, which every sandbox admission takes (in this process,
    /// and on PostgreSQL across replicas, where its transaction's commit is what releases it): the usage read here
    /// therefore counts every sandbox admitted before, with no team row lock of its own. That (a team row write
    /// before the count) cost a round trip more while the placement lock was held (docs/benchmarks.md, "Where a
    /// cold create's time outside the agent goes").
    /// </summary>
    public async Task<string?> AdmitSandboxAsync(SandboxEntity sandbox, CancellationToken cancellationToken)
    {
        var (limits, usage) = await LimitsAndUsageAsync(sandbox.TeamId, cancellationToken).ConfigureAwait(false);
        var over =
            usage.Sandboxes + 1 > limits.Sandboxes ? $"the team has {usage.Sandboxes} of {limits.Sandboxes} sandboxes"
            : usage.Vcpus + sandbox.Vcpus > limits.Vcpus ? $"the team uses {usage.Vcpus} of {limits.Vcpus} vCPUs; {sandbox.Vcpus} more do not fit"
            : usage.MemoryMb + sandbox.MemoryMb > limits.MemoryMb ? $"the team uses {usage.MemoryMb} of {limits.MemoryMb} MiB of memory; {sandbox.MemoryMb} more do not fit"
            : null;
        steps.Mark("quota");
        if (over is not null)
        {
            return over;
        }

        // One statement: on SQLite it commits on its own, on PostgreSQL with the placement lock's transaction.
        db.Sandboxes.Add(sandbox);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        steps.Mark("insert");
        return null;
    }

    /// <summary>Inserts the template if the team has room for it; else nothing and what is over.</summary>
    public Task<string?> AdmitTemplateAsync(TemplateEntity template, CancellationToken cancellationToken) =>
        AdmitAsync(
            template.TeamId,
            (limits, usage) => TemplateOverage(limits, usage, template.SizeBytes),
            () => db.Templates.Add(template),
            cancellationToken);

    /// <summary>Before copying anything: null when one more template (of unknown size yet) may fit.</summary>
    public async Task<string?> TemplateRoomAsync(string teamId, CancellationToken cancellationToken)
    {
        var (limits, usage) = await LimitsAndUsageAsync(teamId, cancellationToken).ConfigureAwait(false);
        return TemplateOverage(limits, usage, 0);
    }

    private static string? TemplateOverage(QuotaLimits limits, QuotaUsage usage, long newBytes) =>
        usage.Templates + 1 > limits.Templates ? $"the team has {usage.Templates} of {limits.Templates} templates"
        : usage.TemplateBytes + newBytes > limits.TemplateBytes || (newBytes == 0 && usage.TemplateBytes >= limits.TemplateBytes)
            ? $"the team's templates take {usage.TemplateBytes} of {limits.TemplateBytes} bytes" + (newBytes > 0 ? $"; this one's {newBytes} do not fit" : string.Empty)
        : null;

    private async Task<string?> AdmitAsync(string teamId, Func<QuotaLimits, QuotaUsage, string?> overage, Action insert, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // A write to the team's row first: it serialises this team's admissions (see the class summary).
        await db.Teams.Where(t => t.Id == teamId).ExecuteUpdateAsync(set => set.SetProperty(t => t.Name, t => t.Name), cancellationToken).ConfigureAwait(false);
        steps.Mark("team-lock");
        var (limits, usage) = await LimitsAndUsageAsync(teamId, cancellationToken).ConfigureAwait(false);
        var over = overage(limits, usage);
        steps.Mark("quota");
        if (over is not null)
        {
            return over;
        }

        insert();
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        steps.Mark("insert");
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        steps.Mark("commit");
        return null;
    }

    /// <summary>The team's own limits where it has them, the defaults elsewhere.</summary>
    private QuotaLimits Limits(int? sandboxes, int? vcpus, long? memoryMb, int? templates, long? templateBytes)
    {
        var defaults = options.Value.Quotas;
        return new QuotaLimits(
            sandboxes ?? defaults.Sandboxes,
            vcpus ?? defaults.Vcpus,
            memoryMb ?? defaults.MemoryMb,
            templates ?? defaults.Templates,
            templateBytes ?? defaults.TemplateBytes);
    }
}
