namespace Wrenn.Agent.Operations;

/// <summary>
/// The log lines of Wrenn.Agent.Operations as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class OperationLog
{
    [LoggerMessage(EventId = 3300, Level = LogLevel.Debug, Message = "{Operation}: {Step} took {ElapsedMs:F1} ms")]
    public static partial void StepTook(this ILogger logger, string operation, string step, double elapsedMs);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = StepTimingLine.Template)]
    public static partial void OperationTook(this ILogger logger, string operation, string totalMs, string steps);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Error, Message = "{Operation}: undo of step {Step} failed")]
    public static partial void UndoFailed(this ILogger logger, Exception exception, string operation, string step);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Information, Message = "{Operation}: rolled back {StepCount} step(s), {ErrorCount} error(s)")]
    public static partial void RolledBack(this ILogger logger, string operation, int stepCount, int errorCount);
}
