namespace Wrenn.ControlPlane.Web;

/// <summary>Log lines of the HTTP pipeline (failed requests). Event ids 2650–2699.</summary>
internal static partial class WebLog
{
    [LoggerMessage(EventId = 2650, Level = LogLevel.Error, Message = "{Method} {Path} failed, error id {ErrorId}")]
    public static partial void RequestFailed(this ILogger logger, Exception exception, string method, PathString path, string errorId);

    [LoggerMessage(EventId = 2651, Level = LogLevel.Warning, Message = "{Method} {Path}: database {Fault} ({Message}), error id {ErrorId}")]
    public static partial void DatabaseFault(this ILogger logger, string method, PathString path, DatabaseFaultKind fault, string message, string errorId);
}
