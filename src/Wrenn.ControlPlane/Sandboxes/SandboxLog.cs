namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>Log lines of the control plane's sandbox services (end times, auto-resume, activity). Event ids 2200–2299.</summary>
internal static partial class SandboxLog
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "Sandbox {SandboxId} reached its end time; {Action}")]
    public static partial void EndTimeReached(this ILogger logger, string sandboxId, string action);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Sandbox {SandboxId} reached its end time but could not be {Action}: {Message}")]
    public static partial void EndTimeActionFailed(this ILogger logger, string sandboxId, string action, string message);

    [LoggerMessage(EventId = 2210, Level = LogLevel.Warning, Message = "Auto-resuming {SandboxId} failed: {Kind} {Message}")]
    public static partial void AutoResumeFailed(this ILogger logger, string sandboxId, SandboxErrorKind kind, string message);

    [LoggerMessage(EventId = 2211, Level = LogLevel.Information, Message = "Sandbox {SandboxId} resumed on use (auto-resume)")]
    public static partial void AutoResumed(this ILogger logger, string sandboxId);

    [LoggerMessage(EventId = 2220, Level = LogLevel.Debug, Message = "Ping of {SandboxId} for activity failed: {Message}")]
    public static partial void ActivityPingFailed(this ILogger logger, string sandboxId, string message);
}
