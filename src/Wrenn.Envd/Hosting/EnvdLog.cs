namespace Wrenn.Envd.Hosting;

/// <summary>
/// envd's start-up log lines. Event ids 1000–1099 (envd's range is 1000–1999, grouped by folder; ids are
/// never reused, so a search for one finds the same event in every version).
/// </summary>
internal static partial class EnvdLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "envd {Version} (Wrenn build {Build}) listening on {Url}")]
    public static partial void Listening(this ILogger logger, string version, string build, string url);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "envd could not start its {Workers} worker threads ahead: it may start more later, and a sandbox whose process limit is reached then can end it")]
    public static partial void ThreadsNotReserved(this ILogger logger, int workers);
}
