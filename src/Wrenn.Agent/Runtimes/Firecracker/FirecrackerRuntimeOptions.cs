namespace Wrenn.Agent.Runtimes.Firecracker;

/// <summary>Settings of the Firecracker runtime.</summary>
public sealed class FirecrackerRuntimeOptions
{
    /// <summary>The firecracker binary (a path, or a name looked up on PATH).</summary>
    public string Binary { get; set; } = "firecracker";

    /// <summary>The most a VM's console.log (firecracker's output: the guest's serial console) holds before it is rotated to console.log.1 (the one older file kept).</summary>
    public long ConsoleLogBytes { get; set; } = ConsoleLog.DefaultCapBytes;

    /// <summary>What runs <c>uffd-serve</c> for a restored VM; null (the default) is this agent's own binary.</summary>
    public string? PageServerBinary { get; set; }

    /// <summary>
    /// Firecracker's own log at this level (<c>PUT /logger</c>) into <c>firecracker-vmm.log</c> in the
    /// sandbox's directory; null (the default) leaves it in the process's output, the sandbox's
    /// <c>console.log</c>, mixed with the guest's console.
    /// </summary>
    public Api.FirecrackerLogLevel? LogLevel { get; set; }

    /// <summary>Firecracker's metrics (<c>PUT /metrics</c>) into <c>firecracker-metrics.json</c> in the sandbox's directory. Off by default.</summary>
    public bool Metrics { get; set; }

    /// <summary>How long a started firecracker may take to open its API socket.</summary>
    public TimeSpan ApiSocketTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Where every VM sees its root disk. Firecracker records drive paths in its snapshots, so each VM's
    /// disk is bound to this one path in the VM process's own mount namespace, and a snapshot restores
    /// in any sandbox.
    /// </summary>
    public string GuestDrivePath { get; set; } = "/run/wrenn/firecracker/rootfs";
}
