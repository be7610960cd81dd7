namespace Wrenn.Agent.Registration;

/// <summary>
/// The log lines of Wrenn.Agent.Registration as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class RegistrationLog
{
    [LoggerMessage(EventId = 3040, Level = LogLevel.Error, Message = "Heartbeat refused: the host token expired or was revoked ({Body}); register again with a token from POST /v1/hosts/{HostId}/token: wrenn-agent --register <token> --address <host:port>")]
    public static partial void HostTokenRefused(this ILogger logger, string body, string hostId);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Warning, Message = "Heartbeat refused ({Status}): {Body}")]
    public static partial void HeartbeatRefused(this ILogger logger, int status, string body);

    [LoggerMessage(EventId = 3042, Level = LogLevel.Warning, Message = "Heartbeat to {ControlPlane} failed: {Reason}")]
    public static partial void HeartbeatFailed(this ILogger logger, string controlPlane, string reason);

    [LoggerMessage(EventId = 3043, Level = LogLevel.Error, Message = "A heartbeat failed; trying again shortly")]
    public static partial void HeartbeatThrew(this ILogger logger, Exception exception);
}
