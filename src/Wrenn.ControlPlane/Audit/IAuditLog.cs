namespace Wrenn.ControlPlane.Audit;

/// <summary>
/// Records who did what (the audit_log table). Handlers call it once per action, after the action took
/// effect. A write that fails throws: security actions must not go unrecorded without anyone noticing.
/// </summary>
public interface IAuditLog
{
    Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken);
}
