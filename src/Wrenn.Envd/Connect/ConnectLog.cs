namespace Wrenn.Envd.Connect;

/// <summary>Log lines of the Connect procedures. Event ids 1400–1499.</summary>
internal static partial class ConnectLog
{
    [LoggerMessage(EventId = 1400, Level = LogLevel.Error, Message = "{Procedure} failed")]
    public static partial void ProcedureFailed(this ILogger logger, Exception exception, string procedure);
}
