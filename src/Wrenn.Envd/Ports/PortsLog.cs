using System.Net;

namespace Wrenn.Envd.Ports;

/// <summary>Log lines of the forwarding of localhost-only ports. Event ids 1200–1299 and 1600–1609.</summary>
internal static partial class PortsLog
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Forwarding localhost-only ports to {Addresses}")]
    public static partial void ForwardingTo(this ILogger logger, string addresses);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Could not read the listening sockets")]
    public static partial void ListenersUnreadable(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "Could not ask the kernel for the listening sockets over netlink; reading /proc/net/tcp instead, which costs more CPU per scan")]
    public static partial void SockDiagUnavailable(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Stopped forwarding port {Port}: nothing listens on {Address} any more")]
    public static partial void StoppedForwarding(this ILogger logger, int port, IPAddress address);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Forwarding port {Port} of {Addresses} to {Address}, where a server listens on localhost only")]
    public static partial void Forwarding(this ILogger logger, int port, string addresses, IPAddress address);

    [LoggerMessage(EventId = 1210, Level = LogLevel.Debug, Message = "Not forwarding {Address}:{Port} to {Target}")]
    public static partial void NotForwarding(this ILogger logger, Exception exception, IPAddress address, int port, IPEndPoint target);

    [LoggerMessage(EventId = 1211, Level = LogLevel.Debug, Message = "Forwarded connection to {Target} ended")]
    public static partial void ConnectionEnded(this ILogger logger, Exception exception, IPEndPoint target);
}
