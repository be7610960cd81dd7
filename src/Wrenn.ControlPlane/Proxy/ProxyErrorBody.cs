namespace Wrenn.ControlPlane.Proxy;

/// <summary>What the proxy answers when it does not forward: E2B's error shape plus where it was going.</summary>
public sealed record ProxyErrorBody(int Code, string Message, string? SandboxId, int? Port);
