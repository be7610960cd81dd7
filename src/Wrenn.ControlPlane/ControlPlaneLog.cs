namespace Wrenn.ControlPlane;

/// <summary>
/// The control plane's start-up log lines. Event ids 2000–2049 (the control plane's range is 2000–2999,
/// grouped by folder; ids are never reused, so a search for one finds the same event in every version).
/// </summary>
internal static partial class ControlPlaneLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "wrenn-cp listening on {Listen} ({Scheme}), state in {WrennDir}")]
    public static partial void Listening(this ILogger logger, string listen, string scheme, string wrennDir);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Sandbox proxy listening on {Listen} ({Scheme}) for *.{Domain}, upstream {Upstream}")]
    public static partial void ProxyListening(this ILogger logger, string listen, string scheme, string domain, Proxy.ProxyUpstreamMode upstream);
}
