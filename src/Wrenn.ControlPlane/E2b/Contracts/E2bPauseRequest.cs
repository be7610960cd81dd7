namespace Wrenn.ControlPlane.E2b.Contracts;

/// <summary>The body of POST /sandboxes/{id}/pause; <c>memory</c> is accepted and the runtime decides what is kept.</summary>
public sealed record E2bPauseRequest(bool? Memory);
