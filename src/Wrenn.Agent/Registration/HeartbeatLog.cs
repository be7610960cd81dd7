namespace Wrenn.Agent.Registration;

/// <summary>Log events of the agent's heartbeats.</summary>
internal static partial class HeartbeatLog
{
    [LoggerMessage(EventId = 3880, Level = LogLevel.Error, Message = "A heartbeat failed; trying again shortly")]
    public static partial void HeartbeatFailed(this ILogger logger, Exception exception);
}
