namespace Wrenn.Agent.Snapshots.Uffd;

/// <summary>
/// The log lines of Wrenn.Agent.Snapshots.Uffd as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class UffdLog
{
    [LoggerMessage(EventId = 3800, Level = LogLevel.Error, Message = "Page server failed")]
    public static partial void PageServerFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3801, Level = LogLevel.Information, Message = "Serving {Regions} guest memory region(s) from {Directory} (generation {Generation})")]
    public static partial void ServingMemory(this ILogger logger, int regions, string directory, int generation);

    [LoggerMessage(EventId = 3802, Level = LogLevel.Information, Message = "VM gone after {Copied} page(s) copied and {Zeroed} zeroed; page server stops")]
    public static partial void VmGone(this ILogger logger, long copied, long zeroed);

    [LoggerMessage(EventId = 3803, Level = LogLevel.Warning, Message = "userfaultfd {Fd} reports poll events {Events:x}; page server stops")]
    public static partial void PollEvents(this ILogger logger, int fd, int events);

    [LoggerMessage(EventId = 3804, Level = LogLevel.Warning, Message = "userfaultfd fork event ignored")]
    public static partial void ForkEventIgnored(this ILogger logger);

    [LoggerMessage(EventId = 3805, Level = LogLevel.Warning, Message = "userfaultfd event {Event:x} ignored")]
    public static partial void EventIgnored(this ILogger logger, int @event);

    [LoggerMessage(EventId = 3806, Level = LogLevel.Information, Message = "{Call} at 0x{Address:x}: the memory's owner is gone; page server stops")]
    public static partial void OwnerGone(this ILogger logger, string call, ulong address);
}
