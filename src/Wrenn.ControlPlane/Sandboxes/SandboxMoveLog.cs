namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>Log lines of moving paused sandboxes between hosts (event ids 2800–2819).</summary>
public static partial class SandboxMoveLog
{
    [LoggerMessage(EventId = 2800, Level = LogLevel.Information, Message = "Moving sandbox {SandboxId} from host {SourceHostId} to host {HostId} ({Reason})")]
    public static partial void MoveStarted(this ILogger logger, string sandboxId, string sourceHostId, string hostId, string reason);

    [LoggerMessage(EventId = 2801, Level = LogLevel.Information, Message = "Sandbox {SandboxId} moved from host {SourceHostId} to host {HostId}: {ArchiveBytes} bytes in {ElapsedMs:F0} ms")]
    public static partial void Moved(this ILogger logger, string sandboxId, string sourceHostId, string hostId, long archiveBytes, double elapsedMs);

    [LoggerMessage(EventId = 2802, Level = LogLevel.Warning, Message = "Moving sandbox {SandboxId} off host {SourceHostId} failed; it stays there, paused: {Message}")]
    public static partial void MoveFailed(this ILogger logger, string sandboxId, string sourceHostId, string message);

    [LoggerMessage(EventId = 2803, Level = LogLevel.Warning, Message = "The copy of sandbox {SandboxId} on host {HostId} was not destroyed after its move failed (the reconciler destroys it later): {Message}")]
    public static partial void TargetCopyKept(this ILogger logger, string sandboxId, string hostId, string message);

    [LoggerMessage(EventId = 2804, Level = LogLevel.Warning, Message = "Sandbox {SandboxId} moved to host {HostId}, but its old copy on host {SourceHostId} was not destroyed (the reconciler destroys it later): {Message}")]
    public static partial void SourceCopyKept(this ILogger logger, string sandboxId, string hostId, string sourceHostId, string message);

    [LoggerMessage(EventId = 2805, Level = LogLevel.Warning, Message = "Sandbox {SandboxId} resumes on its draining host {HostId}: it could not be moved ({Message})")]
    public static partial void ResumedInPlace(this ILogger logger, string sandboxId, string hostId, string message);

    [LoggerMessage(EventId = 2806, Level = LogLevel.Warning, Message = "{Count} move(s) that began before {Before:o} never ended (a control plane stopped mid-move); their reservations are released and their copies left to the reconciler")]
    public static partial void StaleMovesReleased(this ILogger logger, int count, DateTime before);
}
