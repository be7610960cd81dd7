using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Audit;

/// <summary>
/// Writes audit entries to audit_log, and logs each one. <see cref="RecordAsync"/> uses a context of its
/// own, so that an entry never carries a handler's unsaved changes with it; <see cref="SaveWithAsync"/>
/// commits the entry together with the action it records. A failed write throws to the handler.
/// </summary>
public sealed class DatabaseAuditLog(IServiceScopeFactory scopes, TimeProvider clock, ILogger<DatabaseAuditLog> logger) : IAuditLog
{
    public async Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await SaveWithAsync(scope.ServiceProvider.GetRequiredService<WrennDbContext>(), entry, cancellationToken).ConfigureAwait(false);
    }

    public async Task SaveWithAsync(WrennDbContext db, AuditEntry entry, CancellationToken cancellationToken)
    {
        var row = new AuditEventEntity
        {
            At = clock.GetUtcNow().UtcDateTime,
            Action = entry.Action,
            TeamId = entry.TeamId,
            ActorUserId = entry.ActorUserId,
            ActorApiKeyId = entry.ActorApiKeyId,
            TargetId = Clip(entry.TargetId, 100),
            Address = Clip(entry.Address, 64),
            Detail = Clip(entry.Detail, 500),
        };
        try
        {
            db.AuditLog.Add(row);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Not left pending in a context its caller may save again.
            db.Entry(row).State = Microsoft.EntityFrameworkCore.EntityState.Detached;
            logger.EntryNotWritten(ex, entry.Action, entry.ActorUserId, entry.ActorApiKeyId, entry.TargetId, entry.Address);
            throw;
        }

        logger.Entry(
            entry.Action,
            entry.TeamId,
            entry.ActorUserId,
            entry.ActorApiKeyId,
            entry.TargetId,
            entry.Address);
    }

    private static string? Clip(string? text, int max) => text is { Length: > 0 } && text.Length > max ? text[..max] : text;
}
