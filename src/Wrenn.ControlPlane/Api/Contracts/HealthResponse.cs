namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of GET /health.</summary>
public sealed record HealthResponse(string Status, int ReadyHosts);
