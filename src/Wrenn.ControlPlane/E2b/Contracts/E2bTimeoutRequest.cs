namespace Wrenn.ControlPlane.E2b.Contracts;

/// <summary>The body of POST /sandboxes/{id}/timeout: the sandbox ends this many seconds from now.</summary>
public sealed record E2bTimeoutRequest(int? Timeout);
