namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// The log lines of Wrenn.Agent.Sandboxes as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class SandboxLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Base VM snapshot {Key} made in {ElapsedMs:F0} ms: sandboxes of this kind now restore instead of booting")]
    public static partial void BaseVmSnapshotMade(this ILogger logger, string key, double elapsedMs);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Base VM snapshot {Key} could not be made; sandboxes of this kind keep booting")]
    public static partial void BaseVmSnapshotFailed(this ILogger logger, Exception exception, string key);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Removing base VM snapshot {Directory}: its image or kernel changed and no sandbox uses it")]
    public static partial void BaseVmSnapshotStaleRemoved(this ILogger logger, string directory);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Naming restored sandbox {SandboxId} failed")]
    public static partial void NamingRestoredSandboxFailed(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Could not set the clock of {SandboxId} after resuming it")]
    public static partial void ClockSetAfterResumeFailed(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Error, Message = "Pausing idle sandbox {SandboxId} failed; destroying it")]
    public static partial void IdlePauseFailed(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Error, Message = "Destroying idle sandbox {SandboxId} failed too")]
    public static partial void IdleDestroyFailed(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Warning, Message = "Forwarding input to a command in {SandboxId} failed")]
    public static partial void ForwardingInputFailed(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3108, Level = LogLevel.Warning, Message = "Could not kill pid {Pid} in sandbox {SandboxId}")]
    public static partial void KillFailed(this ILogger logger, Exception exception, uint pid, string sandboxId);

    [LoggerMessage(EventId = 3109, Level = LogLevel.Warning, Message = "{Directory} is closed to other users (no o+x): container sandboxes in a user namespace cannot start under it")]
    public static partial void DirectoryClosedToOthers(this ILogger logger, string directory);

    [LoggerMessage(EventId = 3110, Level = LogLevel.Information, Message = "Leaving {Count} sandbox(es) running")]
    public static partial void LeavingSandboxesRunning(this ILogger logger, int count);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Information, Message = "Sandbox {SandboxId} destroyed")]
    public static partial void SandboxDestroyed(this ILogger logger, string sandboxId);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Error, Message = "Pausing {SandboxId} failed; resuming it")]
    public static partial void PauseFailedResuming(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Information, Message = "Sandbox {SandboxId} paused{Why} in {ElapsedMs:F1} ms: freeze={FreezeMs:F1} record={RecordMs:F1}")]
    public static partial void SandboxPaused(this ILogger logger, string sandboxId, string why, double elapsedMs, double freezeMs, double recordMs);

    [LoggerMessage(EventId = 3114, Level = LogLevel.Information, Message = "Sandbox {SandboxId} resumed in {ElapsedMs:F1} ms: thaw={ThawMs:F1} record={RecordMs:F1}")]
    public static partial void SandboxResumed(this ILogger logger, string sandboxId, double elapsedMs, double thawMs, double recordMs);

    [LoggerMessage(EventId = 3115, Level = LogLevel.Error, Message = "Could not destroy sandbox {SandboxId} on shutdown")]
    public static partial void ShutdownDestroyFailed(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3116, Level = LogLevel.Warning, Message = "Sandbox {SandboxId} is paused but keeps slot {Slot}: releasing it failed")]
    public static partial void PausedKeepsSlot(this ILogger logger, Exception exception, string sandboxId, int slot);

    [LoggerMessage(EventId = 3117, Level = LogLevel.Warning, Message = "Unreadable {Path}")]
    public static partial void UnreadableRecord(this ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 3118, Level = LogLevel.Warning, Message = "Removed sandbox {SandboxId} left over from an earlier run ({Why})")]
    public static partial void LeftoverSandboxRemoved(this ILogger logger, string sandboxId, string why);

    [LoggerMessage(EventId = 3119, Level = LogLevel.Error, Message = "Could not fully remove left-over sandbox {SandboxId}")]
    public static partial void LeftoverSandboxRemoveFailed(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3120, Level = LogLevel.Warning, Message = "Sandbox {SandboxId} still exists but its envd does not answer; removing it")]
    public static partial void AdoptedEnvdSilent(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3121, Level = LogLevel.Information, Message = "Adopted sandbox {SandboxId} ({State}, slot {Slot}) from an earlier run")]
    public static partial void SandboxAdopted(this ILogger logger, string sandboxId, SandboxState state, string slot);

    [LoggerMessage(EventId = 3122, Level = LogLevel.Information, Message = "Sandbox {SandboxId} running ({Runtime}, slot {Slot}{Pooled}) in {ElapsedMs:F0} ms")]
    public static partial void SandboxRunning(this ILogger logger, string sandboxId, string runtime, int slot, string pooled, double elapsedMs);

    [LoggerMessage(EventId = 3123, Level = LogLevel.Error, Message = "Creating sandbox {SandboxId} failed; rolling back")]
    public static partial void CreateFailedRollingBack(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3124, Level = LogLevel.Information, Message = "Snapshot of {SandboxId} as {Template} took {ElapsedMs:F0} ms")]
    public static partial void TemplateSnapshotTook(this ILogger logger, string sandboxId, string template, double elapsedMs);

    [LoggerMessage(EventId = 3125, Level = LogLevel.Error, Message = "Sandbox {SandboxId} could not be continued; destroying it")]
    public static partial void ContinueFailedDestroying(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3126, Level = LogLevel.Error, Message = "Sandbox {SandboxId} could not be fully destroyed; it is in error")]
    public static partial void ContinueDestroyIncomplete(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3127, Level = LogLevel.Error, Message = "Sandbox {SandboxId} could not be thawed; it is in error")]
    public static partial void ThawFailed(this ILogger logger, Exception exception, string sandboxId);
}
