namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>Body of <c>PUT /actions</c>.</summary>
public sealed record InstanceActionInfo(InstanceActionType ActionType);
