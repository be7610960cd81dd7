namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>One audit log entry as GET /v1/audit shows it.</summary>
public sealed record AuditEventResponse(
    long Id,
    DateTime At,
    string Action,
    string? TeamId,
    string? ActorUserId,
    string? ActorApiKeyId,
    string? TargetId,
    string? Address,
    string? Detail);
