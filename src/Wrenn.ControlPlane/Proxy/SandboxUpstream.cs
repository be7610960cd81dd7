using System.Net;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>Where a sandbox's ports are reached, and the traffic token its owner must send (null: none).</summary>
public sealed record SandboxUpstream(string SandboxId, IPAddress Address, string? TrafficAccessToken);
