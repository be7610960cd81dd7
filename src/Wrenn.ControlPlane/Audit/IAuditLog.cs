namespace Wrenn.ControlPlane.Audit;

/// <summary>
/// Records who did what (the audit_log table). Handlers call it once per action, after the action took
/// effect. A write that fails throws: security actions must not go unrecorded without anyone noticing.
/// </summary>
public interface IAuditLog
{
    Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>
    /// Saves <paramref name="db"/>'s pending changes (the action itself, e.g. a sandbox's new state) and
    /// the entry in one commit: one database round trip instead of two, and never the one without the other.
    /// </summary>
    Task SaveWithAsync(Data.WrennDbContext db, AuditEntry entry, CancellationToken cancellationToken);
}
