namespace Wrenn.ControlPlane.E2b.Contracts;

/// <summary>
/// The body of POST /sandboxes/{id}/connect (timeout required there) and /v2/… (optional, 300), and of
/// the old POST /sandboxes/{id}/resume. <c>memory: false</c> (resume from disk only) is not offered.
/// </summary>
public sealed record E2bConnectRequest(int? Timeout, bool? Memory, bool? AutoPause);
