using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes.Firecracker.Api;
using Wrenn.Agent.Runtimes.Vm;
using Wrenn.Agent.Snapshots;
using Wrenn.Agent.Storage.Cow;

namespace Wrenn.Agent.Runtimes.Firecracker;

/// <summary>
/// Runs each sandbox as a Firecracker microVM, driven only through its HTTP API: the root disk is a
/// copy-on-write disk over the image's ext4 (<see cref="IRootfsCowProvider"/>), the NIC a TAP in the
/// sandbox's namespace with the guest address every VM shares (<see cref="GuestNetwork"/>). Pause writes
/// a snapshot to $WRENN_DIR/snapshots/&lt;id&gt;/ — full the first time, then diffs (only the pages
/// written since) as generations of a diff chain (<see cref="MemoryGenerations"/>), full again after
/// ten — and ends the process; resume loads it in a new process whose memory a page server
/// (<c>wrenn-agent uffd-serve</c>) fills lazily through userfaultfd from that chain. Nothing of this
/// has run on KVM: it is tested against a fake Firecracker that checks every request against the
/// documented API. A paused VM holds nothing on the host but files: its process, page server and disk
/// devices (<see cref="IRootfsCowProvider.DetachAsync"/>) go, the disk's contents stay.
/// </summary>
public sealed class FirecrackerRuntime(
    ICommandRunner commands,
    IFirecrackerLauncher launcher,
    IPageServerLauncher pageServers,
    IRootfsCowProvider rootDisks,
    RootfsDiskImage rootfsImages,
    GuestTap guestTap,
    IOptions<FirecrackerRuntimeOptions> options,
    IOptions<FirecrackerApiOptions> apiOptions,
    IOptions<Storage.SandboxDiskOptions> diskOptions,
    IOptions<AgentOptions> agentOptions,
    ILoggerFactory loggers) : IRuntime
{
    public const string RuntimeName = "firecracker";

    private const string SocketName = "firecracker.sock";
    private const string PidFileName = "firecracker.pid";
    private const string VmmLogFileName = "firecracker-vmm.log";
    private const string MetricsFileName = "firecracker-metrics.json";
    private const string DiskRecordName = "rootfs-cow.json";
    private const string StateFileName = "vmstate";
    private const string RawMemoryFileName = "memfile.raw";
    private const string PageServerSocketName = "uffd.sock";
    private const string PageServerPidFileName = "uffd.pid";
    private const string PageServerLogName = "uffd.log";
    private const string TemplateDiskName = "rootfs.ext4";

    private readonly ILogger _logger = loggers.CreateLogger<FirecrackerRuntime>();

    public string Name => RuntimeName;

    public RuntimeCapabilities Capabilities { get; } = new(MemorySnapshots: true, Isolation: "microvm", HostRootfs: false);

    public async Task StartAsync(RuntimeSandbox sandbox, RollbackList rollback, CancellationToken cancellationToken)
    {
        var template = sandbox.MemoryTemplate;
        if (template is null && sandbox.Layers is not [_])
        {
            throw new NotSupportedException("the firecracker runtime starts from a base image or a VM template, not from a container's file template");
        }

        var boot = template is null ? NewBoot(sandbox) : await VmBoot.ReadAsync(template, cancellationToken).ConfigureAwait(false);
        RootfsCow? disk = null;
        await rollback.StepAsync(
            "firecracker.disk",
            async ct =>
            {
                // A template's disk is a whole ext4 of its own: the new sandbox's copy-on-write goes over it.
                var baseImage = template is null
                    ? await rootfsImages.EnsureAsync(sandbox.Layers![^1], ct).ConfigureAwait(false)
                    : Path.Combine(template, TemplateDiskName);
                disk = await rootDisks.CreateAsync(sandbox.SandboxId, baseImage, sandbox.Directory, ct).ConfigureAwait(false);
                GrowToDiskSize(disk, template is null);
                await File.WriteAllTextAsync(Path.Combine(sandbox.Directory, DiskRecordName), JsonSerializer.Serialize(disk, AgentJsonContext.Default.RootfsCow), ct).ConfigureAwait(false);
            },
            async ct =>
            {
                if (disk is not null)
                {
                    await rootDisks.RemoveAsync(disk, ct).ConfigureAwait(false);
                }
            },
            cancellationToken).ConfigureAwait(false);

        await rollback.StepAsync("firecracker.network", ct => guestTap.ConnectAsync(sandbox.Network, ct), _ => Task.CompletedTask, cancellationToken).ConfigureAwait(false);

        await rollback.StepAsync(
            "firecracker.start",
            async ct =>
            {
                await File.WriteAllTextAsync(Path.Combine(sandbox.Directory, VmBoot.FileName), JsonSerializer.Serialize(boot, AgentJsonContext.Default.VmBoot), ct).ConfigureAwait(false);
                using var api = await LaunchAsync(sandbox, disk!, ct).ConfigureAwait(false);
                if (template is null)
                {
                    await api.ConfigureAndStartAsync(VmConfig(sandbox, boot), ct).ConfigureAwait(false);
                    _logger.FirecrackerBooting(sandbox.SandboxId, boot.KernelVersion);
                }
                else
                {
                    // The template's memory already holds a booted guest with envd running: load it, don't boot.
                    await api.RestoreAsync(await LoadAsync(sandbox, template, ct).ConfigureAwait(false), VmmLogger(sandbox), VmmMetrics(sandbox), ct).ConfigureAwait(false);
                    _logger.FirecrackerRestored(sandbox.SandboxId, template);
                }
            },
            async ct =>
            {
                var errors = await StopProcessAsync(sandbox).ConfigureAwait(false);
                if (errors is not null)
                {
                    throw errors;
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task PauseAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        var snapshots = SnapshotDirectory(sandbox);
        Directory.CreateDirectory(snapshots);
        var full = MemoryGenerations.NextIsFull(snapshots);
        using (var api = Client(sandbox))
        {
            await SnapshotAsync(api, snapshots, full, cancellationToken).ConfigureAwait(false);
        }

        // Saved: the process goes, and with it the sandbox's CPU and memory (its page server follows).
        var failure = await StopProcessAsync(sandbox).ConfigureAwait(false);
        await StopPageServerAsync(sandbox).ConfigureAwait(false);
        if (failure is not null)
        {
            throw failure;
        }

        // Only now, with nobody reading the memfiles, the new generation goes in and old memfiles go.
        var plan = MemoryGenerations.Add(snapshots, Path.Combine(snapshots, RawMemoryFileName), full);
        _logger.FirecrackerSnapshot(
            sandbox.SandboxId,
            plan.Header.Generation,
            plan.IsFull ? "full" : "diff",
            plan.BlocksToWrite.Count);

        // Nobody has the disk open any more: its devices go too, its contents stay for the resume.
        await DetachDiskAsync(sandbox, await ReadDiskAsync(sandbox, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
    }

    public async Task ResumeAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        if (IsProcessRunning(sandbox))
        {
            // A pause that failed half-way left the VM paused, not saved: continue it.
            using var live = Client(sandbox);
            await live.ResumeAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var snapshots = SnapshotDirectory(sandbox);
        if (!File.Exists(Path.Combine(snapshots, StateFileName)))
        {
            throw new InvalidOperationException($"sandbox {sandbox.SandboxId} has no saved snapshot to resume from");
        }

        await guestTap.EnsureConnectedAsync(sandbox.Network, cancellationToken).ConfigureAwait(false);
        RootfsCow? disk = null;
        try
        {
            // The same device path as before the pause: Firecracker opens the drive its snapshot names.
            disk = await rootDisks.ReattachAsync(await ReadDiskAsync(sandbox, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            using var api = await LaunchAsync(sandbox, disk, cancellationToken).ConfigureAwait(false);
            await api.RestoreAsync(await LoadAsync(sandbox, snapshots, cancellationToken).ConfigureAwait(false), VmmLogger(sandbox), VmmMetrics(sandbox), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The snapshot and the disk's contents stay: the sandbox is still paused and the resume can be retried.
            await StopProcessAsync(sandbox).ConfigureAwait(false);
            await StopPageServerAsync(sandbox).ConfigureAwait(false);
            if (disk is not null)
            {
                await DetachDiskAsync(sandbox, disk).ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>A full snapshot and a copy of the disk; a running VM is paused for it and continues after.</summary>
    public async Task WriteTemplateAsync(RuntimeSandbox sandbox, string directory, CancellationToken cancellationToken)
    {
        var disk = await ReadDiskAsync(sandbox, cancellationToken).ConfigureAwait(false);
        if (IsProcessRunning(sandbox))
        {
            using var api = Client(sandbox);
            await api.PauseAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await api.CreateSnapshotAsync(new SnapshotCreateParams(SnapshotType.Full, Path.Combine(directory, StateFileName), Path.Combine(directory, RawMemoryFileName)), cancellationToken).ConfigureAwait(false);
                await CopySparseAsync(disk.DevicePath, Path.Combine(directory, TemplateDiskName), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await api.ResumeAsync(CancellationToken.None).ConfigureAwait(false);
            }

            // A template is one full generation: every sandbox from it reads the same memfile.
            MemoryGenerations.Add(directory, Path.Combine(directory, RawMemoryFileName), full: true);
        }
        else
        {
            // Paused: its chain is copied as it stands (header and the memfiles it names).
            var snapshots = SnapshotDirectory(sandbox);
            foreach (var file in Directory.EnumerateFiles(snapshots).Where(f => Path.GetFileName(f) == StateFileName || Path.GetFileName(f).StartsWith(Snapshots.SnapshotDirectory.MemfilePrefix, StringComparison.Ordinal)))
            {
                await CopySparseAsync(file, Path.Combine(directory, Path.GetFileName(file)), cancellationToken).ConfigureAwait(false);
            }

            // Its disk was detached at the pause: attached again only to be read.
            var attached = await rootDisks.ReattachAsync(disk, cancellationToken).ConfigureAwait(false);
            try
            {
                await CopySparseAsync(attached.DevicePath, Path.Combine(directory, TemplateDiskName), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await DetachDiskAsync(sandbox, attached).ConfigureAwait(false);
            }
        }

        File.Copy(Path.Combine(sandbox.Directory, VmBoot.FileName), Path.Combine(directory, VmBoot.FileName));
    }

    public string BootIdentity()
    {
        var kernel = KernelLocator.Find(agentOptions.Value.Layout.Kernels, KernelLocator.Uncompressed);
        // "rng": base snapshots taken before the entropy device are not reused; new ones have it.
        return string.Join('|', RuntimeName, kernel.Identity(), diskOptions.Value.SizeMb.ToString(CultureInfo.InvariantCulture), "rng");
    }

    public Task<RuntimeUsage> GetUsageAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) =>
        Task.FromResult(VmProcessUsage.Read(IsProcessRunning(sandbox) ? Pid(sandbox) : null, (long)sandbox.MemoryMb * 1024 * 1024));

    public async Task<IReadOnlyList<Exception>> StopAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        var errors = new List<Exception>();
        if (await StopProcessAsync(sandbox).ConfigureAwait(false) is { } failure)
        {
            errors.Add(failure);
        }

        await StopPageServerAsync(sandbox).ConfigureAwait(false);

        try
        {
            if (File.Exists(Path.Combine(sandbox.Directory, DiskRecordName)))
            {
                await rootDisks.RemoveAsync(await ReadDiskAsync(sandbox, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                File.Delete(Path.Combine(sandbox.Directory, DiskRecordName));
            }

            if (Directory.Exists(SnapshotDirectory(sandbox)))
            {
                Directory.Delete(SnapshotDirectory(sandbox), recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or CommandFailedException or InvalidOperationException)
        {
            errors.Add(ex);
        }

        return errors;
    }

    public Task ReleaseHostResourcesAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ReleaseRemovedTemplatesAsync() =>
        Task.CompletedTask; // Nothing is held per template.

    public string ReadConsoleTail(RuntimeSandbox sandbox) => ConsoleLog.Tail(sandbox.Directory);

    public Task<bool> IsRunningAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) => Task.FromResult(IsProcessRunning(sandbox));

    public Task<bool> ExistsAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) =>
        Task.FromResult(IsProcessRunning(sandbox) || File.Exists(Path.Combine(SnapshotDirectory(sandbox), StateFileName)));

    /// <summary>
    /// Pauses the vCPUs and has Firecracker write the snapshot (full, or a diff of the pages written
    /// since the last one) beside the chain. If that fails the vCPUs run again before the error is reported.
    /// </summary>
    private static async Task SnapshotAsync(FirecrackerApiClient api, string snapshots, bool full, CancellationToken cancellationToken)
    {
        await api.PauseAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            File.Delete(Path.Combine(snapshots, RawMemoryFileName));
            var state = Path.Combine(snapshots, StateFileName + ".new");
            await api.CreateSnapshotAsync(new SnapshotCreateParams(full ? SnapshotType.Full : SnapshotType.Diff, state, Path.Combine(snapshots, RawMemoryFileName)), cancellationToken).ConfigureAwait(false);
            File.Move(state, Path.Combine(snapshots, StateFileName), overwrite: true);
        }
        catch
        {
            File.Delete(Path.Combine(snapshots, RawMemoryFileName));
            await api.ResumeAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Frees the disk's devices on the host and keeps its contents. A failure is logged, not thrown: the
    /// sandbox is paused all the same (its memory is saved, no process runs), and the next resume or
    /// the destroy takes down what is left.
    /// </summary>
    private async Task DetachDiskAsync(RuntimeSandbox sandbox, RootfsCow disk)
    {
        try
        {
            await rootDisks.DetachAsync(disk, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CommandFailedException or IOException or InvalidOperationException)
        {
            _logger.RootDiskStaysAttached(ex, sandbox.SandboxId);
        }
    }

    /// <summary>Starts the page server for <paramref name="snapshot"/>'s chain and says where Firecracker finds it.</summary>
    private async Task<SnapshotLoadParams> LoadAsync(RuntimeSandbox sandbox, string snapshot, CancellationToken cancellationToken)
    {
        var socket = Path.Combine(sandbox.Directory, PageServerSocketName);
        await pageServers.LaunchAsync(socket, snapshot, Path.Combine(sandbox.Directory, PageServerPidFileName), Path.Combine(sandbox.Directory, PageServerLogName), cancellationToken).ConfigureAwait(false);
        return new SnapshotLoadParams(Path.Combine(snapshot, StateFileName), new MemoryBackend(MemoryBackendType.Uffd, socket), TrackDirtyPages: true, ResumeVm: true);
    }

    /// <summary>Ends the sandbox's page server if it still runs (it also ends by itself once its VM is gone).</summary>
    private static async Task StopPageServerAsync(RuntimeSandbox sandbox)
    {
        if (VmProcess.ReadPid(Path.Combine(sandbox.Directory, PageServerPidFileName)) is not { } pid)
        {
            return;
        }

        // Not waited for past 10 s (nor was it before): it serves nothing once its VM is gone.
        await VmProcess.KillAsync(pid, "uffd-serve", TimeSpan.FromSeconds(10)).ConfigureAwait(false);

        File.Delete(Path.Combine(sandbox.Directory, PageServerPidFileName));
    }

    private async Task<FirecrackerApiClient> LaunchAsync(RuntimeSandbox sandbox, RootfsCow disk, CancellationToken cancellationToken)
    {
        var socket = Path.Combine(sandbox.Directory, SocketName);
        File.Delete(socket);
        File.Delete(Path.Combine(sandbox.Directory, PidFileName));
        await launcher.LaunchAsync(
            new FirecrackerLaunch(sandbox.SandboxId, sandbox.Network.NamespacePath, socket, disk.DevicePath, options.Value.GuestDrivePath, sandbox.Directory, Path.Combine(sandbox.Directory, PidFileName)),
            cancellationToken).ConfigureAwait(false);
        return await ConnectAsync(sandbox, socket, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for a just-launched process's API socket, but not for a process that has exited already
    /// (a refused argument, no /dev/kvm, a socket in the way): that fails at once, with what it printed.
    /// </summary>
    private async Task<FirecrackerApiClient> ConnectAsync(RuntimeSandbox sandbox, string socket, CancellationToken cancellationToken)
    {
        var timeout = options.Value.ApiSocketTimeout;
        var slice = TimeSpan.FromMilliseconds(Math.Min(250, timeout.TotalMilliseconds));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                await FirecrackerApiClient.WaitForSocketAsync(socket, slice, apiOptions.Value.SocketPollInterval, cancellationToken).ConfigureAwait(false);
                return new FirecrackerApiClient(socket, loggers.CreateLogger<FirecrackerApiClient>());
            }
            catch (TimeoutException) when (VmProcess.Exists(Pid(sandbox)) && System.Diagnostics.Stopwatch.GetElapsedTime(started) < timeout)
            {
                // Still starting (its command line may not name the sandbox yet: it reads empty while the process execs).
            }
            catch (TimeoutException ex)
            {
                var output = ReadConsoleTail(sandbox);
                throw VmProcess.Exists(Pid(sandbox))
                    ? new TimeoutException($"firecracker for {sandbox.SandboxId} did not open its API socket within {timeout.TotalSeconds:0.#} s: {output}", ex)
                    : new InvalidOperationException($"firecracker for {sandbox.SandboxId} exited before it opened its API socket: {(output.Length > 0 ? output : "(no output)")}", ex);
            }
        }
    }

    private FirecrackerApiClient Client(RuntimeSandbox sandbox) =>
        new(Path.Combine(sandbox.Directory, SocketName), loggers.CreateLogger<FirecrackerApiClient>());

    private FirecrackerVmConfig VmConfig(RuntimeSandbox sandbox, VmBoot boot) => new(
        new BootSource(boot.KernelPath, boot.CommandLine, boot.InitrdPath),
        new MachineConfiguration((int)sandbox.Vcpus, (int)sandbox.MemoryMb, TrackDirtyPages: true),
        [new Drive("rootfs", options.Value.GuestDrivePath, IsRootDevice: true, IsReadOnly: false)],
        [new NetworkInterface("eth0", GuestNetwork.TapName, GuestNetwork.MacAddress)],
        VmmLogger(sandbox),
        VmmMetrics(sandbox),
        // A virtio-rng device: the guest reads host entropy, also after a restore from a shared snapshot
        // (Firecracker's snapshot carries its devices, so older snapshots restore as they were, without it).
        Entropy: boot.EntropyDevice ? new EntropyDevice() : null);

    /// <summary>Firecracker's own log, when configured; the file must exist (Firecracker opens, never creates, it).</summary>
    private LoggerConfig? VmmLogger(RuntimeSandbox sandbox) =>
        options.Value.LogLevel is { } level ? new LoggerConfig(Touch(Path.Combine(sandbox.Directory, VmmLogFileName)), level, ShowLevel: true) : null;

    /// <summary>Firecracker's metrics, when configured; the file must exist, as for the log.</summary>
    private MetricsConfig? VmmMetrics(RuntimeSandbox sandbox) =>
        options.Value.Metrics ? new MetricsConfig(Touch(Path.Combine(sandbox.Directory, MetricsFileName))) : null;

    private static string Touch(string path)
    {
        using (new FileStream(path, FileMode.Append, FileAccess.Write))
        {
            return path;
        }
    }

    private VmBoot NewBoot(RuntimeSandbox sandbox)
    {
        var kernel = KernelLocator.Find(agentOptions.Value.Layout.Kernels, KernelLocator.Uncompressed);
        var commandLine = string.Join(' ',
            "console=ttyS0 reboot=k panic=1 pci=off quiet",
            $"wrenn.ip={GuestNetwork.GuestAddress}/{GuestNetwork.PrefixLength}",
            $"wrenn.gw={GuestNetwork.TapAddress}",
            $"wrenn.hostname={sandbox.SandboxId}",
            sandbox.Network.Nameservers.Count > 0 ? "wrenn.dns=" + string.Join(',', sandbox.Network.Nameservers) : string.Empty,
            EnvdStartupToken.KernelParameter(sandbox)).TrimEnd();
        return new VmBoot(kernel.Version, kernel.KernelPath, kernel.InitrdPath, commandLine, EntropyDevice: true);
    }

    private static async Task<RootfsCow> ReadDiskAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        var path = Path.Combine(sandbox.Directory, DiskRecordName);
        return JsonSerializer.Deserialize(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), AgentJsonContext.Default.RootfsCow)
            ?? throw new InvalidOperationException($"{path} is empty");
    }

    /// <summary>
    /// A booting VM's disk file grows to the sandbox's disk size (sparse: free until written); the
    /// initramfs grows the filesystem to fill it. A device-mapper snapshot is as large as its origin, and
    /// a VM from a snapshot keeps the size it was taken with.
    /// </summary>
    private void GrowToDiskSize(RootfsCow disk, bool booting)
    {
        var size = diskOptions.Value.SizeMb * 1024 * 1024;
        if (!booting || disk.Provider != FileCopyRootfsCowProvider.ProviderName || size <= new FileInfo(disk.DevicePath).Length)
        {
            return;
        }

        using var file = new FileStream(disk.DevicePath, FileMode.Open, FileAccess.Write);
        file.SetLength(size);
    }

    private Task CopySparseAsync(string source, string target, CancellationToken cancellationToken) =>
        commands.RunCheckedAsync("cp", ["--sparse=always", "--", source, target], cancellationToken);

    /// <summary>Ends the sandbox's firecracker process if it runs; returns what went wrong, if anything.</summary>
    private static async Task<Exception?> StopProcessAsync(RuntimeSandbox sandbox)
    {
        if (Pid(sandbox) is not { } pid)
        {
            return null;
        }

        return await VmProcess.KillAsync(pid, Marker(sandbox), TimeSpan.FromSeconds(10)).ConfigureAwait(false)
            ? null
            : new TimeoutException($"firecracker for {sandbox.SandboxId} did not exit within 10 s of SIGKILL");
    }

    private static int? Pid(RuntimeSandbox sandbox) => VmProcess.ReadPid(Path.Combine(sandbox.Directory, PidFileName));

    /// <summary>The pid is this sandbox's firecracker (not a recycled pid): its command line names the sandbox.</summary>
    private static bool IsProcessRunning(RuntimeSandbox sandbox) => VmProcess.IsRunning(Pid(sandbox), Marker(sandbox));

    /// <summary>What the sandbox's firecracker has on its command line (its <c>--id</c>).</summary>
    private static string Marker(RuntimeSandbox sandbox) => "wrenn-" + sandbox.SandboxId;

    private string SnapshotDirectory(RuntimeSandbox sandbox) => agentOptions.Value.Layout.Snapshot(sandbox.SandboxId);
}
