namespace Wrenn.ControlPlane.Api;

/// <summary>Log lines of the API's handlers. Event ids 2600–2649.</summary>
internal static partial class ApiLog
{
    [LoggerMessage(EventId = 2600, Level = LogLevel.Warning, Message = "Host {HostId} says it listens at {Claimed}, not at its registered {Registered}; ignored (only a new registration moves a host)")]
    public static partial void HostAddressIgnored(this ILogger logger, string hostId, string claimed, string registered);
}
