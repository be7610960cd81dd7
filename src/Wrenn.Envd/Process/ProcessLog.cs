namespace Wrenn.Envd.Process;

/// <summary>Log lines of process starts. Event ids 1300–1399.</summary>
internal static partial class ProcessLog
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Started pid {Pid} as {User}{OnTerminal}: {Program} with {ArgumentCount} argument(s)")]
    public static partial void Started(this ILogger logger, int pid, string user, string onTerminal, string program, int argumentCount);

    /// <summary>The arguments may hold secrets: Debug only.</summary>
    [LoggerMessage(EventId = 1301, Level = LogLevel.Debug, Message = "pid {Pid} runs {Command} {Arguments}")]
    public static partial void Runs(this ILogger logger, int pid, string command, IEnumerable<string> arguments);
}
