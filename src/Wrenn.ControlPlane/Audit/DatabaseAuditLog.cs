using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Audit;

/// <summary>
/// Writes audit entries to audit_log through a context of its own, so that an entry never carries a
/// handler's unsaved changes with it, and logs each one. A failed write throws to the handler.
/// </summary>
public sealed class DatabaseAuditLog(IServiceScopeFactory scopes, TimeProvider clock, ILogger<DatabaseAuditLog> logger) : IAuditLog
{
    public async Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken)
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
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WrennDbContext>();
            db.AuditLog.Add(row);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
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
