namespace Wrenn.ControlPlane.Telemetry;

/// <summary>Log lines of <see cref="RequestStepsMiddleware"/>.</summary>
internal static partial class RequestStepsLog
{
    [LoggerMessage(EventId = 2850, Level = LogLevel.Debug, Message = "{Method} {Path} {Status} took {TotalMs} ms: {Steps}")]
    public static partial void RequestTimed(this ILogger logger, string method, string path, int status, string totalMs, string steps);
}
