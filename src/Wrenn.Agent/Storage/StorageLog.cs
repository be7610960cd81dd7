namespace Wrenn.Agent.Storage;

/// <summary>
/// The log lines of Wrenn.Agent.Storage as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 3500, Level = LogLevel.Warning, Message = "Could not remove {Directory}")]
    public static partial void DirectoryRemoveFailed(this ILogger logger, Exception exception, string directory);

    [LoggerMessage(EventId = 3501, Level = LogLevel.Warning, Message = "{Prepared} and {Sandboxes} are on different filesystems; sandbox disks are no longer prepared ahead")]
    public static partial void PreparedDisksOtherFilesystem(this ILogger logger, string prepared, string sandboxes);

    [LoggerMessage(EventId = 3502, Level = LogLevel.Warning, Message = "Could not move prepared disk {Disk} into {Sandbox} (errno {Errno}); trying the next")]
    public static partial void PreparedDiskMoveFailed(this ILogger logger, string disk, string sandbox, int errno);

    [LoggerMessage(EventId = 3503, Level = LogLevel.Warning, Message = "Could not delete prepared disk {Disk}: {Reason}")]
    public static partial void PreparedDiskDeleteFailed(this ILogger logger, string disk, string reason);

    [LoggerMessage(EventId = 3504, Level = LogLevel.Information, Message = "Template {Template} made from {SandboxId}: {SizeBytes} bytes on {Parent}")]
    public static partial void TemplateMade(this ILogger logger, string template, string sandboxId, long sizeBytes, string parent);

    [LoggerMessage(EventId = 3505, Level = LogLevel.Information, Message = "Template {Template} removed")]
    public static partial void TemplateRemoved(this ILogger logger, string template);

    [LoggerMessage(EventId = 3506, Level = LogLevel.Warning, Message = "Removing {Directory}, left by an interrupted template operation")]
    public static partial void InterruptedTemplateRemoved(this ILogger logger, string directory);

    [LoggerMessage(EventId = 3507, Level = LogLevel.Warning, Message = "{Directory} is a template stored under its name by an older agent; it is no longer used. Recreate it from a sandbox and remove the directory")]
    public static partial void OldNamedTemplateIgnored(this ILogger logger, string directory);
}
