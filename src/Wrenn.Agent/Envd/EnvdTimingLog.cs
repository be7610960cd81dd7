namespace Wrenn.Agent.Envd;

/// <summary>Debug timing of the agent's calls to envd (where an exec's time goes); event ids 3900–3949.</summary>
internal static partial class EnvdTimingLog
{
    [LoggerMessage(EventId = 3900, Level = LogLevel.Debug, Message = "envd {Procedure} at {Envd}: answer headers after {HeadersMs} ms, stream ended after {TotalMs} ms")]
    public static partial void EnvdStreamTimed(this ILogger logger, string procedure, string envd, string headersMs, string totalMs);
}
