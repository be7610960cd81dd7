namespace Wrenn.Agent.Runtimes;

/// <summary>Everything a runtime needs to run one sandbox, prepared by the sandbox manager.</summary>
/// <param name="SandboxId">"sb-" + 16 hex; also the hostname inside.</param>
/// <param name="Directory">The sandbox's own directory under $WRENN_DIR/sandboxes; the runtime may keep files here.</param>
/// <param name="RootfsPath">The sandbox's writable root filesystem (a mounted directory for containers).</param>
/// <param name="MemoryTemplate">The directory of the VM template (memory, devices, disk) the sandbox starts from instead of booting, if any.</param>
/// <param name="Layers">The read-only layers under it, top first (templates, then the image's rootfs): VMs build their disk from these.</param>
/// <param name="EnvdAccessToken">
/// The token the sandbox's envd starts with, so that it serves nobody before the agent's /init (which
/// replaces it): a container gets it in envd's environment, a booting VM on its kernel command line. A
/// VM restored from memory already holds the one it was saved with.
/// </param>
public sealed record RuntimeSandbox(
    string SandboxId,
    string Directory,
    string RootfsPath,
    RuntimeNetwork Network,
    uint Vcpus,
    uint MemoryMb,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<string>? Layers = null,
    string? MemoryTemplate = null,
    string? EnvdAccessToken = null);
