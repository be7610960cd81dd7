namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// The log lines of Wrenn.Agent.Runtimes.Qemu as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class QemuLog
{
    [LoggerMessage(EventId = 3660, Level = LogLevel.Information, Message = "QEMU for {SandboxId} booting (kernel {KernelVersion}, {Accelerator})")]
    public static partial void QemuBooting(this ILogger logger, string sandboxId, string kernelVersion, string accelerator);

    [LoggerMessage(EventId = 3661, Level = LogLevel.Information, Message = "QEMU for {SandboxId} restored from template {Template} (kernel {KernelVersion}, {Accelerator}): {Phases}")]
    public static partial void QemuRestored(this ILogger logger, string sandboxId, string template, string kernelVersion, string accelerator, RestorePhases phases);

    [LoggerMessage(EventId = 3662, Level = LogLevel.Information, Message = "QEMU for {SandboxId} saved {Megabytes:F3} MB of state ({What})")]
    public static partial void QemuStateSaved(this ILogger logger, string sandboxId, double megabytes, string what);

    [LoggerMessage(EventId = 3663, Level = LogLevel.Information, Message = "Template of {SandboxId}: {MemoryMegabytes:F1} MB of memory and device state")]
    public static partial void QemuTemplateSaved(this ILogger logger, string sandboxId, double memoryMegabytes);

    [LoggerMessage(EventId = 3664, Level = LogLevel.Information, Message = "QEMU for {SandboxId} resumed{OwnRam}: {Phases}")]
    public static partial void QemuResumed(this ILogger logger, string sandboxId, string ownRam, RestorePhases phases);

    [LoggerMessage(EventId = 3665, Level = LogLevel.Information, Message = "Removed VM cgroup {Path} (no such sandbox)")]
    public static partial void OrphanCgroupRemoved(this ILogger logger, string path);

    [LoggerMessage(EventId = 3666, Level = LogLevel.Warning, Message = "The cgroup of {SandboxId}'s VM could not be removed yet")]
    public static partial void CgroupRemoveDeferred(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3667, Level = LogLevel.Information, Message = "Template memory {RamFile} held for clones: {Megabytes:F1} MB of {TotalMegabytes:F1} MB in use, filled in {Milliseconds:F0} ms")]
    public static partial void TemplateMemoryHeld(this ILogger logger, string ramFile, double megabytes, double totalMegabytes, double milliseconds);

    [LoggerMessage(EventId = 3870, Level = LogLevel.Warning, Message = "Template memory {RamFile} could not be made ready ahead; its next clone makes it")]
    public static partial void TemplateMemoryPreloadFailed(this ILogger logger, Exception exception, string ramFile);

    [LoggerMessage(EventId = 3668, Level = LogLevel.Information, Message = "Prepared VMM {Directory} for template {Template} ready in {ElapsedMs:F0} ms")]
    public static partial void VmmPrepared(this ILogger logger, string template, string directory, double elapsedMs);

    [LoggerMessage(EventId = 3669, Level = LogLevel.Warning, Message = "A VMM for template {Template} could not be prepared; its next create starts one itself")]
    public static partial void VmmPrepareFailed(this ILogger logger, Exception exception, string template);

    [LoggerMessage(EventId = 3670, Level = LogLevel.Information, Message = "Prepared VMM {Directory} of template {Template} discarded: {Why}")]
    public static partial void VmmDiscarded(this ILogger logger, string directory, string template, string why);

    [LoggerMessage(EventId = 3671, Level = LogLevel.Warning, Message = "Prepared VMM {Directory} could not be discarded; the agent's next start removes it")]
    public static partial void VmmDiscardFailed(this ILogger logger, Exception exception, string directory);
}
