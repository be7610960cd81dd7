using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Quotas;
using Wrenn.ControlPlane.Scheduling;

namespace Wrenn.ControlPlane.Data;

/// <summary>
/// The queries every sandbox create runs before its host is called (the template by name, the hosts that
/// may take it with what each holds, the team's quota and usage), compiled once: EF then skips, at each call, walking and hashing the query's expression tree
/// to find its cached SQL, which on a create's path cost more than the database's own work (the quota query
/// alone has ten subqueries). One instance per service provider, not static: a compiled query keeps the
/// SQL of the first database it ran on, and one process (the tests) may run control planes on SQLite and on
/// PostgreSQL.
/// </summary>
public sealed class AdmissionQueries
{
    /// <summary>The team's template called so (tracked, as <c>SandboxLookup.FindTemplateAsync</c> returns it).</summary>
    public Func<WrennDbContext, string, string, CancellationToken, Task<TemplateEntity?>> TemplateByName { get; } =
        EF.CompileAsyncQuery((WrennDbContext db, string teamId, string name, CancellationToken cancellationToken) =>
            db.Templates.SingleOrDefault(t => t.TeamId == teamId && t.Name == name));

    /// <summary>
    /// The team's usage (sandboxes in every state but stopped and error; templates) and its own limits as
    /// scalar subqueries beside it, in one round trip; null when the team has no row.
    /// </summary>
    public Func<WrennDbContext, string, CancellationToken, Task<TeamQuotaRow?>> TeamQuota { get; } =
        EF.CompileAsyncQuery((WrennDbContext db, string teamId, CancellationToken cancellationToken) =>
            db.Teams.AsNoTracking()
                .Where(t => t.Id == teamId)
                .Select(_ => new TeamQuotaRow(
                    db.Sandboxes.Count(s => s.TeamId == teamId && s.State != SandboxStates.Stopped && s.State != SandboxStates.Error),
                    db.Sandboxes.Where(s => s.TeamId == teamId && s.State != SandboxStates.Stopped && s.State != SandboxStates.Error).Sum(s => (int?)s.Vcpus) ?? 0,
                    db.Sandboxes.Where(s => s.TeamId == teamId && s.State != SandboxStates.Stopped && s.State != SandboxStates.Error).Sum(s => (long?)s.MemoryMb) ?? 0,
                    db.Templates.Count(t => t.TeamId == teamId),
                    db.Templates.Where(t => t.TeamId == teamId).Sum(t => (long?)t.SizeBytes) ?? 0,
                    db.TeamQuotas.Where(q => q.TeamId == teamId).Select(q => q.Sandboxes).FirstOrDefault(),
                    db.TeamQuotas.Where(q => q.TeamId == teamId).Select(q => q.Vcpus).FirstOrDefault(),
                    db.TeamQuotas.Where(q => q.TeamId == teamId).Select(q => q.MemoryMb).FirstOrDefault(),
                    db.TeamQuotas.Where(q => q.TeamId == teamId).Select(q => q.Templates).FirstOrDefault(),
                    db.TeamQuotas.Where(q => q.TeamId == teamId).Select(q => q.TemplateBytes).FirstOrDefault()))
                .FirstOrDefault());

    /// <summary>
    /// Live, not draining hosts (the test of <c>HostLiveness.Alive</c>: ready, heard from since
    /// <c>since</c>), but <c>excludedHostId</c> and those whose runtime and architecture differ from either
    /// pair given, each with the vcpus and memory its live sandboxes (and those moving there) and its warm
    /// pool hold, and its count of live sandboxes (<see cref="HostScheduler"/> ranks them). The warm pool
    /// holds real sandboxes (memory, processes) until they are claimed; a sandbox being moved to a host holds
    /// its room there from the moment the move chose it.
    /// </summary>
    public Func<WrennDbContext, DateTime, string?, string?, string?, string?, string?, IAsyncEnumerable<HostCandidate>> HostCandidates { get; } =
        EF.CompileAsyncQuery((WrennDbContext db, DateTime since, string? excludedHostId, string? runtime, string? arch, string? originRuntime, string? originArch) =>
            db.Hosts
                .Where(h => h.State == HostEntity.ReadyState && h.LastSeenAt != null && h.LastSeenAt >= since && !h.Draining)
                .Where(h => excludedHostId == null || h.Id != excludedHostId)
                .Where(h => runtime == null || (h.Runtime == runtime && h.Arch == arch))
                .Where(h => originRuntime == null || (h.Runtime == originRuntime && h.Arch == originArch))
                .Select(h => new HostCandidate(
                    h,
                    (db.Sandboxes.Where(s => (s.HostId == h.Id || s.MovingToHostId == h.Id) && HostScheduler.LiveStates.Contains(s.State)).Sum(s => (int?)s.Vcpus) ?? 0) + h.PooledVcpus,
                    (db.Sandboxes.Where(s => (s.HostId == h.Id || s.MovingToHostId == h.Id) && HostScheduler.LiveStates.Contains(s.State)).Sum(s => (long?)s.MemoryMb) ?? 0) + h.PooledMemoryMb,
                    db.Sandboxes.Count(s => s.HostId == h.Id && HostScheduler.LiveStates.Contains(s.State)),
                    false,
                    h.PooledVcpus,
                    h.PooledMemoryMb)));
}
