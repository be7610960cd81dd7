namespace Wrenn.ControlPlane.Scheduling;

/// <summary>The log lines of <see cref="PlacementLock"/> (event ids 2920–2929 of cpfix's 2900–2949).</summary>
public static partial class PlacementLockLog
{
    [LoggerMessage(EventId = 2920, Level = LogLevel.Warning, Message = "Releasing the placement lock failed; its connection's pool is cleared, which closes the session and frees the lock")]
    public static partial void PlacementUnlockFailed(this ILogger logger, Exception exception);
}
