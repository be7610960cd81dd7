namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>Answer of <c>GET /</c>.</summary>
public sealed record InstanceInfo(string Id, InstanceState State, string VmmVersion, string AppName);
