using Wrenn.Agent.Storage.Ownership;

namespace Wrenn.Agent.Runtimes;

/// <summary>What a runtime can do, reported to the control plane and shown to users.</summary>
/// <param name="MemorySnapshots">True when pause and templates keep processes and memory, not only files.</param>
/// <param name="Isolation">The boundary between sandbox and host: "microvm", "vm" or "container".</param>
/// <param name="HostRootfs">True when sandboxes run on a root directory the host mounts (an overlay on a capped disk); VMs bring their own disk.</param>
/// <param name="UserNamespace">How sandbox ids map onto host ids when sandboxes run in a user namespace; null when sandbox root is host root (or the runtime is a VM).</param>
/// <param name="Refusal">Why the runtime makes no sandboxes on this host (a boundary it would run without); null when it makes them.</param>
public sealed record RuntimeCapabilities(bool MemorySnapshots, string Isolation, IdMapping? UserNamespace = null, bool HostRootfs = true, string? Refusal = null)
{
    /// <summary>The mapping the sandbox's files must be owned under, as seen from the host.</summary>
    public IdMapping FileOwners => UserNamespace ?? IdMapping.Identity;
}
