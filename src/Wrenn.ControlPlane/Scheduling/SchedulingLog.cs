namespace Wrenn.ControlPlane.Scheduling;

/// <summary>Log lines of placement and host draining. Event ids 2300–2399 (2950–2999 are kept for template placement).</summary>
internal static partial class SchedulingLog
{
    [LoggerMessage(EventId = 2310, Level = LogLevel.Information, Message = "Host {HostId} is draining: no new sandboxes go there")]
    public static partial void HostDraining(this ILogger logger, string hostId);

    [LoggerMessage(EventId = 2311, Level = LogLevel.Information, Message = "Host {HostId} takes new sandboxes again")]
    public static partial void HostUndrained(this ILogger logger, string hostId);
}
