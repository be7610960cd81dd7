using System.Net;

namespace Wrenn.Agent.Network;

/// <summary>
/// The log lines of Wrenn.Agent.Network as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class NetworkLog
{
    [LoggerMessage(EventId = 3400, Level = LogLevel.Warning, Message = "The host's {ResolvConf} names no nameserver a sandbox can reach; sandboxes get none")]
    public static partial void NoReachableNameserver(this ILogger logger, string resolvConf);

    [LoggerMessage(EventId = 3401, Level = LogLevel.Warning, Message = "Turned on IPv4 forwarding ({Setting}) so that sandboxes can reach the network through NAT")]
    public static partial void ForwardingTurnedOn(this ILogger logger, string setting);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Warning, Message = "Removed prepared network slot {Slot} left by an earlier run")]
    public static partial void LeftoverSlotRemoved(this ILogger logger, int slot);

    [LoggerMessage(EventId = 3403, Level = LogLevel.Error, Message = "Could not remove prepared network slot {Slot} left by an earlier run; it stays taken")]
    public static partial void LeftoverSlotRemoveFailed(this ILogger logger, Exception exception, int slot);

    [LoggerMessage(EventId = 3404, Level = LogLevel.Debug, Message = "Took prepared network slot {Slot}")]
    public static partial void PreparedSlotTaken(this ILogger logger, int slot);

    [LoggerMessage(EventId = 3405, Level = LogLevel.Error, Message = "Could not remove prepared network slot {Slot}; it stays taken")]
    public static partial void PreparedSlotRemoveFailed(this ILogger logger, Exception exception, int slot);

    [LoggerMessage(EventId = 3406, Level = LogLevel.Information, Message = "Network slot {Slot} ready: host {HostAddress}, sandbox {SandboxAddress}")]
    public static partial void SlotReady(this ILogger logger, int slot, IPAddress hostAddress, IPAddress sandboxAddress);

    [LoggerMessage(EventId = 3407, Level = LogLevel.Debug, Message = "Slot {Slot} is taken by someone else; trying the next")]
    public static partial void SlotTakenElsewhere(this ILogger logger, int slot);
}
