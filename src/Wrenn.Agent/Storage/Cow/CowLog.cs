namespace Wrenn.Agent.Storage.Cow;

/// <summary>
/// The log lines of Wrenn.Agent.Storage.Cow as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class CowLog
{
    [LoggerMessage(EventId = 3520, Level = LogLevel.Information, Message = "Root disks are reflink copies: cp --reflink=always works for {Directory}")]
    public static partial void ReflinkCopies(this ILogger logger, string? directory);

    [LoggerMessage(EventId = 3521, Level = LogLevel.Warning, Message = "Root disks are sparse copies (each sandbox copies the image's data): reflink is not possible for {Directory}: {Reason}")]
    public static partial void SparseCopies(this ILogger logger, string? directory, string reason);

    [LoggerMessage(EventId = 3522, Level = LogLevel.Information, Message = "Root disks: device-mapper snapshots ({Reason})")]
    public static partial void DeviceMapperSnapshots(this ILogger logger, string reason);

    [LoggerMessage(EventId = 3523, Level = LogLevel.Warning, Message = "Root disks: file copies instead of device-mapper snapshots, because {Reason}")]
    public static partial void FileCopiesInstead(this ILogger logger, string reason);

    [LoggerMessage(EventId = 3524, Level = LogLevel.Warning, Message = "Root disks: switching to file copies, because device-mapper cannot make snapshots here: {Reason}")]
    public static partial void SwitchingToFileCopies(this ILogger logger, string reason);
}
