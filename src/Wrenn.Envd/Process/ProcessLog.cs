namespace Wrenn.Envd.Process;

/// <summary>Log lines of process starts and ends. Event ids 1300–1399 and 1500–1549.</summary>
internal static partial class ProcessLog
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Started pid {Pid} as {User}{OnTerminal}: {Program} with {ArgumentCount} argument(s)")]
    public static partial void Started(this ILogger logger, int pid, string user, string onTerminal, string program, int argumentCount);

    /// <summary>The arguments may hold secrets: Debug only.</summary>
    [LoggerMessage(EventId = 1301, Level = LogLevel.Debug, Message = "pid {Pid} runs {Command} {Arguments}")]
    public static partial void Runs(this ILogger logger, int pid, string command, IEnumerable<string> arguments);

    /// <summary>Only when something else reaped envd's child: its end is reported as exit code -1.</summary>
    [LoggerMessage(EventId = 1500, Level = LogLevel.Warning, Message = "pid {Pid} ended but envd could not reap it ({Error}): its exit code is unknown")]
    public static partial void ExitUnknown(this ILogger logger, int pid, string error);
}
