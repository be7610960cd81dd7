namespace Wrenn.Agent.Envd;

/// <summary>
/// The log lines of Wrenn.Agent.Envd as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class EnvdLog
{
    [LoggerMessage(EventId = 3320, Level = LogLevel.Debug, Message = "envd at {Envd} healthy after {Attempts} probe(s), {ElapsedMs:F0} ms")]
    public static partial void EnvdHealthy(this ILogger logger, Uri envd, int attempts, double elapsedMs);
}
