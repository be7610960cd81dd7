using Grpc.Core;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>Log lines of the control plane's calls to host agents. Event ids 2400–2499.</summary>
internal static partial class HostsLog
{
    [LoggerMessage(EventId = 2400, Level = LogLevel.Error, Message = "Agent call failed ({Status}), error id {ErrorId}: {Detail}")]
    public static partial void AgentCallFailed(this ILogger logger, StatusCode status, string errorId, string detail);

    [LoggerMessage(EventId = 2401, Level = LogLevel.Warning, Message = "Creating {SandboxId} on {HostId} failed: {Status}")]
    public static partial void CreateFailed(this ILogger logger, string sandboxId, string hostId, Status status);

    [LoggerMessage(EventId = 2402, Level = LogLevel.Warning, Message = "The {What} {Id} may be left on host {HostId}: {Status}")]
    public static partial void MayBeLeft(this ILogger logger, string what, string id, string hostId, Status status);
}
