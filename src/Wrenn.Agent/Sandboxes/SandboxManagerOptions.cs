namespace Wrenn.Agent.Sandboxes;

/// <summary>Limits and defaults the sandbox manager applies.</summary>
public sealed class SandboxManagerOptions
{
    /// <summary>How long a new sandbox's envd may take to answer /health.</summary>
    public TimeSpan EnvdReadyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout for exec requests that do not name one.</summary>
    public TimeSpan DefaultExecTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The most stdout+stderr one collected exec may return; larger output needs the streaming call.</summary>
    public long MaxExecOutputBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>User that commands run as when the request names none.</summary>
    public string DefaultUser { get; set; } = "user";

    /// <summary>
    /// VM runtimes: the first sandbox of an image, size and kernel is snapshotted once booted, and the
    /// next ones restore that snapshot instead of booting (<see cref="BaseVmSnapshots"/>).
    /// </summary>
    public bool PrebuiltVmSnapshots { get; set; } = true;

    /// <summary>
    /// How long a VM booted for a base snapshot runs on after its envd first answers before the snapshot is
    /// taken. Right after that answer the guest is still finishing its boot, and every sandbox restored from a
    /// snapshot taken then did that work again on its cold emulated CPU: the first /health of such a sandbox
    /// took 370–720 ms under software emulation, against 190–270 ms a second on (2026-12-07). Paid once, by the
    /// first create of each image, size and kernel (its timing line shows it as vm.settle).
    /// </summary>
    public TimeSpan BaseSnapshotSettle { get; set; } = TimeSpan.FromSeconds(2);

    public uint MaxVcpus { get; set; } = 64;

    public uint MinMemoryMb { get; set; } = 64;

    public uint MaxMemoryMb { get; set; } = 256 * 1024;
}
