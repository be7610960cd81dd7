namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>
/// One audited action (table audit_log). Ids grow with time, so the newest has the largest id; rows
/// outlive the team, user, key and target they name (no foreign keys), as an audit trail must.
/// </summary>
public sealed class AuditEventEntity
{
    public long Id { get; set; }

    public DateTime At { get; set; }

    public required string Action { get; set; }

    /// <summary>The team the action concerns; null for installation-wide actions (hosts, failed logins).</summary>
    public string? TeamId { get; set; }

    public string? ActorUserId { get; set; }

    public string? ActorApiKeyId { get; set; }

    public string? TargetId { get; set; }

    /// <summary>The connecting address of the request.</summary>
    public string? Address { get; set; }

    public string? Detail { get; set; }
}
