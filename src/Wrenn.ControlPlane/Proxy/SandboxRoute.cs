namespace Wrenn.ControlPlane.Proxy;

/// <summary>Which sandbox port a request is for.</summary>
public sealed record SandboxRoute(string SandboxId, int Port);
