namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>The body Firecracker answers an error with.</summary>
public sealed record ApiFault(string? FaultMessage);
