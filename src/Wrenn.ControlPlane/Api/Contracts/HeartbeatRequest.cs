namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of POST /v1/hosts/{id}/heartbeat.</summary>
public sealed record HeartbeatRequest(string? Address, HostSpecs? Specs, int? RunningSandboxes);
