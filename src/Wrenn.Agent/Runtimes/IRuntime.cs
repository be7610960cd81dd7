using Wrenn.Agent.Operations;

namespace Wrenn.Agent.Runtimes;

/// <summary>
/// Runs sandboxes: the one interface over containers, QEMU and Firecracker. A runtime only starts and
/// stops what it is given; ids, network slots, storage, envd and TTL belong to the sandbox manager,
/// and a runtime never calls the manager back.
/// </summary>
public interface IRuntime
{
    /// <summary>"container", "qemu" or "firecracker".</summary>
    string Name { get; }

    RuntimeCapabilities Capabilities { get; }

    /// <summary>
    /// Starts the sandbox's init (wrenn-init → tini → envd) inside its prepared network namespace and
    /// root filesystem. Every step is registered on <paramref name="rollback"/>.
    /// </summary>
    Task StartAsync(RuntimeSandbox sandbox, RollbackList rollback, CancellationToken cancellationToken);

    /// <summary>
    /// Stops every process of the sandbox where it stands. Containers freeze in memory; VMs write
    /// memory and device state to disk and free their resources.
    /// </summary>
    Task PauseAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken);

    /// <summary>Continues a paused sandbox exactly where it stopped.</summary>
    Task ResumeAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken);

    /// <summary>
    /// Writes into <paramref name="directory"/> what a template of the sandbox keeps beyond its files:
    /// memory, device state and disk for VMs (only runtimes with memory snapshots). A running sandbox
    /// is stopped meanwhile and continues after; a paused one stays paused.
    /// </summary>
    Task WriteTemplateAsync(RuntimeSandbox sandbox, string directory, CancellationToken cancellationToken);

    /// <summary>
    /// What a memory snapshot of a freshly booted sandbox depends on besides the image and its size (the
    /// kernel, the accelerator): prebuilt snapshots made under another identity are not reused.
    /// </summary>
    string BootIdentity();

    /// <summary>What the sandbox uses now, as its host sees it.</summary>
    Task<RuntimeUsage> GetUsageAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken);

    /// <summary>Stops the sandbox and frees what the runtime holds for it; returns every error met.</summary>
    Task<IReadOnlyList<Exception>> StopAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken);

    /// <summary>
    /// The agent is stopping and none of its sandboxes remain, or it has just started and removed what
    /// an earlier run left: release what the runtime made for the host as a whole (cgroup parents, VM
    /// cgroups of sandboxes that are gone). Anything still in use is left alone.
    /// </summary>
    Task ReleaseHostResourcesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A template or base snapshot was removed, or one being made was given up: let go now of what the runtime
    /// holds for templates whose files are gone (QEMU: the copy of their RAM each keeps for its clones), so their
    /// disk space and memory come back at once (QEMU: a VM prepared from one is discarded). Anything still in place is kept.
    /// </summary>
    Task ReleaseRemovedTemplatesAsync();

    /// <summary>The last lines the sandbox's init and envd printed (its console), for error messages.</summary>
    string ReadConsoleTail(RuntimeSandbox sandbox);

    /// <summary>True while the sandbox's init process runs.</summary>
    Task<bool> IsRunningAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken);

    /// <summary>True while the sandbox exists, running or paused: what a restarted agent may adopt.</summary>
    Task<bool> ExistsAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken);

    /// <summary>
    /// Moves a VM prepared ahead for <paramref name="memoryTemplate"/> (started, its state read, not run) to
    /// <paramref name="directory"/>, which must not exist, for <see cref="StartAsync"/> to finish there; false
    /// when there is none (the caller makes the directory and starts cold). None by default.
    /// </summary>
    Task<bool> TryTakePreparedAsync(string memoryTemplate, uint vcpus, uint memoryMb, string directory, CancellationToken cancellationToken) => Task.FromResult(false);
}
