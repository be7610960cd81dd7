namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// The log lines of Wrenn.Agent.Runtimes.Container as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class ContainerLog
{
    [LoggerMessage(EventId = 3620, Level = LogLevel.Debug, Message = "Cgroup {Path} not removed: {Reason}")]
    public static partial void CgroupNotRemoved(this ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 3621, Level = LogLevel.Warning, Message = "Container sandboxes run without a user namespace ({Variable}=off): sandbox root is host root")]
    public static partial void NoUserNamespace(this ILogger logger, string variable);

    [LoggerMessage(EventId = 3622, Level = LogLevel.Error, Message = "Refusing to create container sandboxes: {Reason}")]
    public static partial void RefusingContainers(this ILogger logger, string reason);

    [LoggerMessage(EventId = 3623, Level = LogLevel.Warning, Message = "Cannot tell whether sandbox {SandboxId}'s envd takes a passed socket, so it binds its own: {Reason}")]
    public static partial void SocketPassingUnknown(this ILogger logger, string sandboxId, string reason);

    [LoggerMessage(EventId = 3624, Level = LogLevel.Information, Message = "Container {ContainerId} started")]
    public static partial void ContainerStarted(this ILogger logger, string containerId);

    [LoggerMessage(EventId = 3625, Level = LogLevel.Information, Message = "Container {ContainerId} started with envd's socket passed")]
    public static partial void ContainerStartedWithSocket(this ILogger logger, string containerId);

    [LoggerMessage(EventId = 3626, Level = LogLevel.Information, Message = "Container sandboxes run under {OciRuntime} ({Variable}={Configured}: {Reason})")]
    public static partial void OciRuntimeChosen(this ILogger logger, string ociRuntime, string variable, string configured, string reason);

    [LoggerMessage(EventId = 3627, Level = LogLevel.Information, Message = "{OciRuntime} runs from a sealed copy of {Binary} in memory ({Copy}), so it does not copy and re-execute itself at every run")]
    public static partial void OciRuntimeFromSealedCopy(this ILogger logger, string ociRuntime, string binary, string copy);

    [LoggerMessage(EventId = 3628, Level = LogLevel.Warning, Message = "{OciRuntime} runs from its file and copies and re-executes itself at every run (a few milliseconds on each create): {Reason}")]
    public static partial void OciRuntimeFromFile(this ILogger logger, string ociRuntime, string reason);

    [LoggerMessage(EventId = 3629, Level = LogLevel.Warning, Message = "The console log rotator started ahead for {Directory} is gone (killed?); the container gets a new one")]
    public static partial void PreparedConsoleRotatorGone(this ILogger logger, string directory);

    [LoggerMessage(EventId = 3630, Level = LogLevel.Information, Message = "{Binary} changed (an upgrade?): {OciRuntime} now runs from a new sealed copy ({Copy})")]
    public static partial void OciRuntimeCopyRefreshed(this ILogger logger, string ociRuntime, string binary, string copy);

    [LoggerMessage(EventId = 3631, Level = LogLevel.Warning, Message = "{Binary} changed (an upgrade?) but {OciRuntime} could not be copied from it again, so runs keep the copy of the earlier file ({Copy}) until the agent restarts: {Reason}")]
    public static partial void OciRuntimeCopyNotRefreshed(this ILogger logger, string ociRuntime, string binary, string copy, string reason);

    [LoggerMessage(EventId = 3632, Level = LogLevel.Information, Message = "{OciRuntime}'s compiled seccomp filter ({Instructions} instructions, from container {ContainerId}) is passed to later runs, which load it without compiling it again")]
    public static partial void CompiledSeccompLearned(this ILogger logger, string ociRuntime, int instructions, string containerId);

    [LoggerMessage(EventId = 3633, Level = LogLevel.Warning, Message = "{OciRuntime}'s compiled seccomp filter could not be read from {Path}, so every run compiles it (a few milliseconds on each create): {Reason}")]
    public static partial void CompiledSeccompUnreadable(this ILogger logger, string ociRuntime, string path, string reason);
}
