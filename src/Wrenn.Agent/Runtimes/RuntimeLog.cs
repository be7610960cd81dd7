namespace Wrenn.Agent.Runtimes;

/// <summary>
/// The log lines of Wrenn.Agent.Runtimes as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(EventId = 3600, Level = LogLevel.Information, Message = "WRENN_RUNTIME=auto chose the qemu runtime with KVM ({Device}): a VM per sandbox")]
    public static partial void AutoChoseQemu(this ILogger logger, string device);

    [LoggerMessage(EventId = 3601, Level = LogLevel.Warning, Message = "WRENN_RUNTIME=auto chose the container runtime ({Reason}). Containers share the host kernel: they are a weaker boundary than VMs. Do not run untrusted code from strangers on a host you care about.")]
    public static partial void AutoChoseContainer(this ILogger logger, string reason);

    [LoggerMessage(EventId = 3602, Level = LogLevel.Warning, Message = "Using the container runtime: containers share the host kernel and are a weaker boundary than microVMs.")]
    public static partial void UsingContainer(this ILogger logger);

    [LoggerMessage(EventId = 3603, Level = LogLevel.Information, Message = "Using the qemu runtime ({Accelerator})")]
    public static partial void UsingQemu(this ILogger logger, string accelerator);

    [LoggerMessage(EventId = 3604, Level = LogLevel.Warning, Message = "Using the firecracker runtime. It has been tested only against a fake Firecracker (no KVM where it was built); see docs/runtimes/firecracker.md")]
    public static partial void UsingFirecracker(this ILogger logger);
}
