namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of POST /v1/sandboxes/{id}/lifetime: the end time becomes now + lifetime_sec; 0 removes it.</summary>
public sealed record LifetimeRequest(int? LifetimeSec);
