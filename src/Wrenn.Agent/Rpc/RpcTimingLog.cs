namespace Wrenn.Agent.Rpc;

/// <summary>Debug timing of the calls the agent serves (where a call's time goes); event ids 3900–3949.</summary>
internal static partial class RpcTimingLog
{
    [LoggerMessage(EventId = 3901, Level = LogLevel.Debug, Message = "{Method}: call token checked in {TokenMs} ms, served in {ServedMs} ms")]
    public static partial void CallTimed(this ILogger logger, string method, string tokenMs, string servedMs);
}
