namespace Wrenn.Agent.Runtimes.ProcView;

/// <summary>
/// The log lines of Wrenn.Agent.Runtimes.ProcView as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class ProcViewLog
{
    [LoggerMessage(EventId = 3740, Level = LogLevel.Warning, Message = "Sandbox {SandboxId} runs on every CPU: the host's CPUs cannot be read ({Reason})")]
    public static partial void EveryCpu(this ILogger logger, string sandboxId, string reason);

    [LoggerMessage(EventId = 3741, Level = LogLevel.Warning, Message = "No live lxcfs at {MountPoint} (WRENN_LXCFS): container sandboxes see the host's CPUs and memory")]
    public static partial void NoLiveLxcfs(this ILogger logger, string mountPoint);

    [LoggerMessage(EventId = 3742, Level = LogLevel.Information, Message = "Container sandboxes read their /proc views from the system lxcfs at {MountPoint}")]
    public static partial void SystemLxcfs(this ILogger logger, string mountPoint);

    [LoggerMessage(EventId = 3743, Level = LogLevel.Information, Message = "Adopted the lxcfs mount at {MountPoint} from an earlier run")]
    public static partial void LxcfsAdopted(this ILogger logger, string mountPoint);

    [LoggerMessage(EventId = 3744, Level = LogLevel.Warning, Message = "lxcfs could not be started ({Binary} exited with {ExitCode}; is Debian's lxcfs package installed? see {Log}): container sandboxes see the host's CPUs and memory")]
    public static partial void LxcfsStartFailed(this ILogger logger, string binary, int exitCode, string log);

    [LoggerMessage(EventId = 3745, Level = LogLevel.Warning, Message = "lxcfs did not come up at {MountPoint} (see {Log}): container sandboxes see the host's CPUs and memory")]
    public static partial void LxcfsNotUp(this ILogger logger, string mountPoint, string log);

    [LoggerMessage(EventId = 3746, Level = LogLevel.Information, Message = "Started lxcfs at {MountPoint} for container sandboxes' /proc views")]
    public static partial void LxcfsStarted(this ILogger logger, string mountPoint);

    [LoggerMessage(EventId = 3747, Level = LogLevel.Information, Message = "Leaving lxcfs at {MountPoint} running: {Count} sandbox(es) still read from it")]
    public static partial void LxcfsLeftRunning(this ILogger logger, string mountPoint, int count);

    [LoggerMessage(EventId = 3748, Level = LogLevel.Debug, Message = "lxcfs (pid {Pid}) still ran a second after its unmount; stopping it")]
    public static partial void LxcfsStopping(this ILogger logger, int pid);

    [LoggerMessage(EventId = 3749, Level = LogLevel.Information, Message = "Stopped lxcfs at {MountPoint}")]
    public static partial void LxcfsStopped(this ILogger logger, string mountPoint);
}
