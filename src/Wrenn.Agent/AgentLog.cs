using Wrenn.Common.Configuration;

namespace Wrenn.Agent;

/// <summary>
/// The log lines of Wrenn.Agent as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class AgentLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Warning, Message = "{Path} was open to other users; closed")]
    public static partial void ClosedOpenPath(this ILogger logger, string path);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "wrenn-agent {HostId} listening on {Listen} ({Transport}), runtime {Runtime}, state in {WrennDir}")]
    public static partial void Listening(this ILogger logger, string hostId, ListenAddress listen, string transport, string runtime, string wrennDir);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "gRPC on {Listen} is plaintext and reachable from other machines: calls are signed and single-use but readable on the wire; set {Cert}, {Key} and {ClientCa} for mutual TLS")]
    public static partial void PlaintextGrpcReachable(this ILogger logger, ListenAddress listen, string cert, string key, string clientCa);
}
