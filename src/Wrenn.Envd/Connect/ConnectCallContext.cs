namespace Wrenn.Envd.Connect;

/// <summary>What a Connect handler knows about its call besides the request message.</summary>
/// <param name="Timeout">From Connect-Timeout-Ms: how long the call may take; null = no limit.</param>
/// <param name="ClientAborted">Fires when the client goes away.</param>
/// <param name="Deadline">Fires when the client goes away or <paramref name="Timeout"/> passes; a handler that
/// lets it cancel its work ends the call with deadline_exceeded.</param>
public sealed record ConnectCallContext(HttpContext HttpContext, TimeSpan? Timeout, CancellationToken ClientAborted, CancellationToken Deadline);
