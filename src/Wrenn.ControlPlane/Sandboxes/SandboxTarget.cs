using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// A running sandbox ready to take work (exec, files), and the host that runs it: what
/// <see cref="ISandboxService.OpenForWorkAsync"/> answers after waking it. Calls to the host go through
/// <see cref="Hosts.IAgentGateway"/>.
/// </summary>
public sealed record SandboxTarget(SandboxDetails Sandbox, HostEntity Host, bool Resumed);
