namespace Wrenn.Envd.Http;

/// <summary>Log lines of envd's control endpoints (/init: clock, entropy). Event ids 1100–1199.</summary>
internal static partial class ControlLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Clock stepped to {Now:O}")]
    public static partial void ClockStepped(this ILogger logger, DateTimeOffset now);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Kernel random pool reseeded with {Bytes} bytes from the host")]
    public static partial void Reseeded(this ILogger logger, int bytes);

    /// <summary>An error in a VM (the kernel is the sandbox's own), a note in a container: the caller picks the level.</summary>
    [LoggerMessage(EventId = 1102, Message = "Kernel random pool not reseeded")]
    public static partial void NotReseeded(this ILogger logger, LogLevel level, Exception exception);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "The guest was not named {Hostname} at /init; the host names it another way")]
    public static partial void NotNamed(this ILogger logger, Exception exception, string hostname);
}
