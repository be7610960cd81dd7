using Yarp.ReverseProxy.Forwarder;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>Log lines of the sandbox proxy. Event ids 2500–2599.</summary>
internal static partial class ProxyLog
{
    [LoggerMessage(EventId = 2500, Level = LogLevel.Debug, Message = "Proxy to {SandboxId} port {Port} failed: {Error}")]
    public static partial void ForwardFailed(this ILogger logger, string sandboxId, int port, ForwarderError error);

    [LoggerMessage(EventId = 2501, Level = LogLevel.Warning, Message = "Proxy could not ask host {HostId} where sandbox {SandboxId} is: {Error}")]
    public static partial void HostDidNotList(this ILogger logger, string hostId, string sandboxId, string error);
}
