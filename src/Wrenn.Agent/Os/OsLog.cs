namespace Wrenn.Agent.Os;

/// <summary>
/// The log lines of Wrenn.Agent.Os as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class OsLog
{
    [LoggerMessage(EventId = 3080, Level = LogLevel.Debug, Message = "{Program} {Arguments} exited {ExitCode} in {ElapsedMs:F1} ms")]
    public static partial void CommandExited(this ILogger logger, string program, IReadOnlyList<string> arguments, int exitCode, double elapsedMs);
}
