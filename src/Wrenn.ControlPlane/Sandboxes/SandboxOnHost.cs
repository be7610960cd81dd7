using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>A sandbox (tracked, so changes are saved) and the host that runs it.</summary>
public sealed record SandboxOnHost(SandboxEntity Sandbox, HostEntity Host);
