using Microsoft.EntityFrameworkCore;
using Wrenn.Common.Ids;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Finds a team's sandboxes, their hosts and templates: the first step of every operation. Another
/// team's sandbox, or a malformed id, is "not found": no face ever confirms that it exists.
/// </summary>
public sealed class SandboxLookup(WrennDbContext db, AdmissionQueries queries)
{
    public Task<SandboxEntity?> FindAsync(string teamId, string sandboxId, CancellationToken cancellationToken) =>
        WrennIds.IsSandboxId(sandboxId)
            ? db.Sandboxes.SingleOrDefaultAsync(s => s.Id == sandboxId && s.TeamId == teamId, cancellationToken)
            : Task.FromResult<SandboxEntity?>(null);

    /// <summary>Whoever's it is: for callers that check access their own way (the traffic proxy's token).</summary>
    public Task<SandboxEntity?> FindAnyTeamAsync(string sandboxId, CancellationToken cancellationToken) =>
        WrennIds.IsSandboxId(sandboxId)
            ? db.Sandboxes.SingleOrDefaultAsync(s => s.Id == sandboxId, cancellationToken)
            : Task.FromResult<SandboxEntity?>(null);

    /// <summary>
    /// The team's sandbox with its host in one query, read only (nothing tracked), when it is running and
    /// its host is known; null otherwise (the caller then takes the path that explains why). Exec and file
    /// calls start here: one database round trip instead of a sandbox query and a host query.
    /// </summary>
    public async Task<(SandboxEntity Sandbox, HostEntity Host)?> FindRunningWithHostAsync(string teamId, string sandboxId, CancellationToken cancellationToken)
    {
        if (!WrennIds.IsSandboxId(sandboxId))
        {
            return null;
        }

        var found = await (
            from s in db.Sandboxes.AsNoTracking()
            where s.Id == sandboxId && s.TeamId == teamId && s.State == SandboxStates.Running
            join h in db.Hosts.AsNoTracking() on s.HostId equals h.Id
            select new { Sandbox = s, Host = h }).SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return found is null ? null : (found.Sandbox, found.Host);
    }

    /// <summary>The sandbox in one of <paramref name="requiredStates"/> (any when none) and its host, or why not.</summary>
    public async Task<SandboxResult<SandboxOnHost>> FindOnHostAsync(string teamId, string sandboxId, CancellationToken cancellationToken, params string[] requiredStates)
    {
        if (!WrennIds.IsSandboxId(sandboxId))
        {
            return SandboxError.SandboxNotFound(sandboxId);
        }

        // The sandbox and its host in one query (a database round trip less on every pause and resume).
        var found = await (
            from s in db.Sandboxes
            where s.Id == sandboxId && s.TeamId == teamId
            join h in db.Hosts on s.HostId equals h.Id into hosts
            from h in hosts.DefaultIfEmpty()
            select new { Sandbox = s, Host = h }).SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        var sandbox = found?.Sandbox;
        if (sandbox is null)
        {
            return SandboxError.SandboxNotFound(sandboxId);
        }

        if (requiredStates.Length > 0 && !requiredStates.Contains(sandbox.State))
        {
            if (sandbox.State == SandboxStates.Lost)
            {
                return LostSandbox.Error(sandbox);
            }

            return SandboxError.Conflict($"sandbox {sandboxId} is {sandbox.State}, not {string.Join(" or ", requiredStates)}");
        }

        return found!.Host is { } host
            ? new SandboxOnHost(sandbox, host)
            : SandboxError.HostMissing(sandbox.Id);
    }

    public async Task<SandboxResult<SandboxOnHost>> OnHostAsync(SandboxEntity sandbox, CancellationToken cancellationToken)
    {
        var host = await db.Hosts.FindAsync([sandbox.HostId], cancellationToken).ConfigureAwait(false);
        return host is null
            ? SandboxError.HostMissing(sandbox.Id)
            : new SandboxOnHost(sandbox, host);
    }

    /// <summary>The team's template called <paramref name="name"/> (tracked), or null; compiled: every create asks.</summary>
    public Task<TemplateEntity?> FindTemplateAsync(string teamId, string name, CancellationToken cancellationToken) =>
        queries.TemplateByName(db, teamId, name, cancellationToken);

    public async Task<IReadOnlyList<TemplateEntity>> ListTemplatesAsync(string teamId, CancellationToken cancellationToken) =>
        await db.Templates.AsNoTracking().Where(t => t.TeamId == teamId).OrderBy(t => t.CreatedAt).ToListAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Reads the row again (another scope, e.g. the waker's, changed it).</summary>
    public Task ReloadAsync(SandboxEntity sandbox, CancellationToken cancellationToken) => db.Entry(sandbox).ReloadAsync(cancellationToken);

    /// <summary>Saves what the operation changed; never cancelled: the host already did its part.</summary>
    public Task SaveAsync() => db.SaveChangesAsync(CancellationToken.None);
}
