namespace Wrenn.ControlPlane.Audit;

/// <summary>Log lines of the audit log (each entry is also a log line). Event ids 2700–2749.</summary>
internal static partial class AuditingLog
{
    [LoggerMessage(EventId = 2700, Level = LogLevel.Error, Message = "Audit entry {Action} by {UserId}/{ApiKeyId} on {TargetId} from {Address} could not be written")]
    public static partial void EntryNotWritten(this ILogger logger, Exception exception, string action, string? userId, string? apiKeyId, string? targetId, string? address);

    [LoggerMessage(EventId = 2701, Level = LogLevel.Information, Message = "Audit {Action} team {TeamId} by {UserId}/{ApiKeyId} on {TargetId} from {Address}")]
    public static partial void Entry(this ILogger logger, string action, string? teamId, string? userId, string? apiKeyId, string? targetId, string? address);
}
