namespace Wrenn.Agent.Rpc;

/// <summary>
/// The log lines of Wrenn.Agent.Rpc as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class RpcLog
{
    [LoggerMessage(EventId = 3250, Level = LogLevel.Warning, Message = "Refused a call: {Reason}")]
    public static partial void CallRefused(this ILogger logger, string reason);

    [LoggerMessage(EventId = 3251, Level = LogLevel.Error, Message = "{Method} failed: the disk is full")]
    public static partial void CallFailedDiskFull(this ILogger logger, Exception exception, string method);

    [LoggerMessage(EventId = 3252, Level = LogLevel.Error, Message = "{Method} failed")]
    public static partial void CallFailed(this ILogger logger, Exception exception, string method);

    [LoggerMessage(EventId = 3253, Level = LogLevel.Information, Message = "{Method} refused ({Status}): {Message}")]
    public static partial void CallRefusedStatus(this ILogger logger, string method, Grpc.Core.StatusCode status, string message);

    [LoggerMessage(EventId = 3254, Level = LogLevel.Debug, Message = "No usage for {SandboxId}")]
    public static partial void NoUsage(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3255, Level = LogLevel.Debug, Message = "Tunnel to {SandboxId} port {Port} open")]
    public static partial void TunnelOpen(this ILogger logger, string sandboxId, uint port);
}
