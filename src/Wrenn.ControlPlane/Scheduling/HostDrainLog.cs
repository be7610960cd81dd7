namespace Wrenn.ControlPlane.Scheduling;

/// <summary>Log lines of emptying draining hosts (event ids 2820–2839).</summary>
internal static partial class HostDrainLog
{
    [LoggerMessage(EventId = 2820, Level = LogLevel.Warning, Message = "Draining host {HostId}: sandbox {SandboxId} could not be paused and stays there running: {Message}")]
    public static partial void DrainPauseFailed(this ILogger logger, string hostId, string sandboxId, string message);

    [LoggerMessage(EventId = 2821, Level = LogLevel.Information, Message = "Draining host {HostId}: {Moved} sandbox(es) moved this pass, {Left} left on it")]
    public static partial void DrainProgress(this ILogger logger, string hostId, int moved, int left);

    [LoggerMessage(EventId = 2822, Level = LogLevel.Error, Message = "A pass emptying draining hosts failed")]
    public static partial void DrainPassFailed(this ILogger logger, Exception exception);
}
