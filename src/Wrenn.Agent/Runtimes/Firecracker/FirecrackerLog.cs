namespace Wrenn.Agent.Runtimes.Firecracker;

/// <summary>
/// The log lines of Wrenn.Agent.Runtimes.Firecracker as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class FirecrackerLog
{
    [LoggerMessage(EventId = 3700, Level = LogLevel.Debug, Message = "Firecracker {Method} {Path} answered {Status} in {ElapsedMs:F1} ms")]
    public static partial void ApiAnswered(this ILogger logger, string method, string path, int status, double elapsedMs);

    [LoggerMessage(EventId = 3701, Level = LogLevel.Warning, Message = "Firecracker {Method} {Path} answered {Status} in {ElapsedMs:F1} ms: {FaultMessage}")]
    public static partial void ApiFault(this ILogger logger, string method, string path, int status, double elapsedMs, string faultMessage);

    [LoggerMessage(EventId = 3702, Level = LogLevel.Information, Message = "Firecracker for {SandboxId} booting (kernel {KernelVersion})")]
    public static partial void FirecrackerBooting(this ILogger logger, string sandboxId, string kernelVersion);

    [LoggerMessage(EventId = 3703, Level = LogLevel.Information, Message = "Firecracker for {SandboxId} restored from {Template}")]
    public static partial void FirecrackerRestored(this ILogger logger, string sandboxId, string template);

    [LoggerMessage(EventId = 3704, Level = LogLevel.Information, Message = "Snapshot of {SandboxId}: generation {Generation} ({Kind}), {Blocks} block(s) written")]
    public static partial void FirecrackerSnapshot(this ILogger logger, string sandboxId, int generation, string kind, int blocks);

    [LoggerMessage(EventId = 3705, Level = LogLevel.Warning, Message = "The root disk of {SandboxId} stays attached while it is paused; its resume or destroy takes it down")]
    public static partial void RootDiskStaysAttached(this ILogger logger, Exception exception, string sandboxId);
}
