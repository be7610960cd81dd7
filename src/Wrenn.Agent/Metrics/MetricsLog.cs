namespace Wrenn.Agent.Metrics;

/// <summary>
/// The log lines of Wrenn.Agent.Metrics as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class MetricsLog
{
    [LoggerMessage(EventId = 3340, Level = LogLevel.Debug, Message = "No metrics reading for {SandboxId}")]
    public static partial void NoMetricsReading(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3341, Level = LogLevel.Warning, Message = "Reading metrics of {SandboxId} failed")]
    public static partial void MetricsReadFailed(this ILogger logger, Exception exception, string sandboxId);
}
