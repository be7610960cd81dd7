namespace Wrenn.ControlPlane.Audit;

/// <summary>
/// One audited action. <see cref="Action"/> is one of <see cref="AuditActions"/>; the actor is a user,
/// an API key, a host, or nobody (a failed login, a sign-up before the account exists); the address is
/// the connecting address. <see cref="Detail"/> is short free text (never a secret).
/// </summary>
public sealed record AuditEntry(
    string Action,
    string? TeamId,
    string? ActorUserId,
    string? ActorApiKeyId,
    string? TargetId,
    string? Address,
    string? Detail = null);
