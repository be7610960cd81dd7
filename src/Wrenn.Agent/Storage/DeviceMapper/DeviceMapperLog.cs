namespace Wrenn.Agent.Storage.DeviceMapper;

/// <summary>
/// The log lines of Wrenn.Agent.Storage.DeviceMapper as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class DeviceMapperLog
{
    [LoggerMessage(EventId = 3540, Level = LogLevel.Information, Message = "Sandbox {SandboxId} root disk: /dev/mapper/{Device} = {Table}")]
    public static partial void RootDiskCreated(this ILogger logger, string sandboxId, string device, string table);

    [LoggerMessage(EventId = 3541, Level = LogLevel.Information, Message = "Sandbox {SandboxId} root disk removed")]
    public static partial void RootDiskRemoved(this ILogger logger, string sandboxId);

    [LoggerMessage(EventId = 3542, Level = LogLevel.Information, Message = "Sandbox {SandboxId} root disk detached; its writes stay in {CowPath}")]
    public static partial void RootDiskDetached(this ILogger logger, string sandboxId, string cowPath);

    [LoggerMessage(EventId = 3543, Level = LogLevel.Warning, Message = "Sandbox {SandboxId} root disk is still attached; taking it down before attaching it again")]
    public static partial void RootDiskStillAttached(this ILogger logger, string sandboxId);

    [LoggerMessage(EventId = 3544, Level = LogLevel.Information, Message = "Sandbox {SandboxId} root disk attached again over {CowPath}: /dev/mapper/{Device} = {Table}")]
    public static partial void RootDiskAttachedAgain(this ILogger logger, string sandboxId, string cowPath, string device, string table);

    [LoggerMessage(EventId = 3545, Level = LogLevel.Warning, Message = "Removing stale device-mapper device {Device} (no such sandbox)")]
    public static partial void StaleDeviceRemoved(this ILogger logger, string device);

    [LoggerMessage(EventId = 3546, Level = LogLevel.Warning, Message = "Removing stale device-mapper device {Device} before creating it again")]
    public static partial void StaleDeviceRemovedBeforeCreate(this ILogger logger, string device);

    [LoggerMessage(EventId = 3547, Level = LogLevel.Warning, Message = "dmsetup remove {Device}: busy (attempt {Attempt}); retrying in {DelayMs:F0} ms")]
    public static partial void RemoveBusyRetrying(this ILogger logger, string device, int attempt, double delayMs);

    [LoggerMessage(EventId = 3548, Level = LogLevel.Information, Message = "Base image {Image} attached read-only at {Device}")]
    public static partial void BaseImageAttached(this ILogger logger, string image, string device);

    [LoggerMessage(EventId = 3549, Level = LogLevel.Information, Message = "Base image {Image} detached from {Device}: no sandbox uses it")]
    public static partial void BaseImageDetached(this ILogger logger, string image, string device);
}
