namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of POST /v1/sandboxes/{id}/timeout.</summary>
public sealed record TimeoutRequest(int? TimeoutSec);
