using System.Net;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// Where a sandbox's ports are reached: straight at <see cref="Address"/>, or, when
/// <see cref="ViaAgent"/> is set, through that host's agent (OpenPort). And the traffic token its
/// owner must send (null: none).
/// </summary>
public sealed record SandboxUpstream(string SandboxId, IPAddress? Address, string? TrafficAccessToken, HostEntity? ViaAgent = null);
