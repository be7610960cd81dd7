namespace Wrenn.ControlPlane.Reconciliation;

/// <summary>
/// Log lines of the reconciler and its steps. Event ids 2100–2199 (2900–2949 are kept for the
/// reconciler's settling of rows stuck in <c>starting</c>).
/// </summary>
internal static partial class ReconciliationLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Error, Message = "Reconciliation pass failed")]
    public static partial void PassFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "This replica now leads reconciliation")]
    public static partial void Leading(this ILogger logger);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Leadership check failed; not leading until the database answers")]
    public static partial void LeadershipCheckFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Warning, Message = "Host {HostId} at {Address} silent since {LastSeenAt:O} (more than {Silence}); unreachable")]
    public static partial void HostUnreachable(this ILogger logger, string hostId, string address, DateTime? lastSeenAt, TimeSpan silence);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Warning, Message = "Sandbox {SandboxId} was {State} on host {HostId}, which stopped answering; now lost")]
    public static partial void SandboxLost(this ILogger logger, string sandboxId, string state, string hostId);

    [LoggerMessage(EventId = 2120, Level = LogLevel.Warning, Message = "Host {HostId} at {Address} did not list its sandboxes: {Message}")]
    public static partial void HostDidNotList(this ILogger logger, string hostId, string address, string message);

    [LoggerMessage(EventId = 2121, Level = LogLevel.Warning, Message = "Sandbox {SandboxId} is {State} in the database but gone from host {HostId}; now stopped")]
    public static partial void SandboxGone(this ILogger logger, string sandboxId, string state, string hostId);

    [LoggerMessage(EventId = 2122, Level = LogLevel.Information, Message = "Sandbox {SandboxId} was paused by its host for inactivity")]
    public static partial void SandboxAutoPaused(this ILogger logger, string sandboxId);

    [LoggerMessage(EventId = 2123, Level = LogLevel.Warning, Message = "Sandbox {SandboxId} was lost and its host {HostId} came back without it; now stopped")]
    public static partial void LostSandboxGone(this ILogger logger, string sandboxId, string hostId);

    [LoggerMessage(EventId = 2124, Level = LogLevel.Information, Message = "Sandbox {SandboxId} survived the silence of host {HostId}; {State} again")]
    public static partial void LostSandboxBack(this ILogger logger, string sandboxId, string hostId, string state);

    [LoggerMessage(EventId = 2125, Level = LogLevel.Warning, Message = "Destroyed sandbox {SandboxId} on host {HostId}: {Why}")]
    public static partial void UnwantedDestroyed(this ILogger logger, string sandboxId, string hostId, string why);

    [LoggerMessage(EventId = 2126, Level = LogLevel.Warning, Message = "Could not destroy sandbox {SandboxId} on host {HostId} ({Why}): {Message}; trying again next pass")]
    public static partial void UnwantedNotDestroyed(this ILogger logger, string sandboxId, string hostId, string why, string message);
}
