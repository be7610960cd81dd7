using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes.Firecracker.Api;
using Wrenn.Agent.Runtimes.Vm;
using Wrenn.Agent.Storage.Cow;

namespace Wrenn.Agent.Runtimes.Firecracker;

/// <summary>
/// Runs each sandbox as a Firecracker microVM, driven only through its HTTP API: the root disk is a
/// copy-on-write disk over the image's ext4 (<see cref="IRootfsCowProvider"/>), the NIC a TAP in the
/// sandbox's namespace with the guest address every VM shares (<see cref="GuestNetwork"/>). Pause writes
/// a snapshot to $WRENN_DIR/snapshots/&lt;id&gt;/ — full the first time, then diffs (only the pages
/// written since) folded into the memory file, full again after <see cref="FirecrackerRuntimeOptions.MaxDiffGenerations"/>
/// — and ends the process; resume loads it in a new process. Nothing of this has run on KVM: it is
/// tested against a fake Firecracker that checks every request against the documented API.
/// </summary>
public sealed class FirecrackerRuntime(
    ICommandRunner commands,
    IFirecrackerLauncher launcher,
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
    private const string LogFileName = "firecracker.log";
    private const string DiskRecordName = "rootfs-cow.json";
    private const string BootFileName = "vm.json";
    private const string StateFileName = "vmstate";
    private const string MemoryFileName = "memfile";
    private const string DiffFileName = "memfile.diff";
    private const string GenerationFileName = "generation";
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

        var boot = template is null ? NewBoot(sandbox) : await ReadBootAsync(template, cancellationToken).ConfigureAwait(false);
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
                await File.WriteAllTextAsync(Path.Combine(sandbox.Directory, BootFileName), JsonSerializer.Serialize(boot, AgentJsonContext.Default.VmBoot), ct).ConfigureAwait(false);
                using var api = await LaunchAsync(sandbox, disk!, ct).ConfigureAwait(false);
                if (template is null)
                {
                    await api.ConfigureAndStartAsync(VmConfig(sandbox, boot), ct).ConfigureAwait(false);
                    _logger.LogInformation("Firecracker for {SandboxId} booting (kernel {KernelVersion})", sandbox.SandboxId, boot.KernelVersion);
                }
                else
                {
                    // The template's memory already holds a booted guest with envd running: load it, don't boot.
                    await api.RestoreAsync(Load(Path.Combine(template, StateFileName), Path.Combine(template, MemoryFileName)), null, null, ct).ConfigureAwait(false);
                    _logger.LogInformation("Firecracker for {SandboxId} restored from {Template}", sandbox.SandboxId, template);
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
        using (var api = Client(sandbox))
        {
            await SnapshotAsync(api, snapshots, cancellationToken).ConfigureAwait(false);
        }

        // Saved: the process goes, and with it the sandbox's CPU and memory. The disk stays attached.
        var failure = await StopProcessAsync(sandbox).ConfigureAwait(false);
        if (failure is not null)
        {
            throw failure;
        }
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
        try
        {
            using var api = await LaunchAsync(sandbox, await ReadDiskAsync(sandbox, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            await api.RestoreAsync(Load(Path.Combine(snapshots, StateFileName), Path.Combine(snapshots, MemoryFileName)), null, null, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The snapshot stays: the sandbox is still paused and the resume can be retried.
            await StopProcessAsync(sandbox).ConfigureAwait(false);
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
                await api.CreateSnapshotAsync(new SnapshotCreateParams(SnapshotType.Full, Path.Combine(directory, StateFileName), Path.Combine(directory, MemoryFileName)), cancellationToken).ConfigureAwait(false);
                await CopySparseAsync(disk.DevicePath, Path.Combine(directory, TemplateDiskName), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await api.ResumeAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        else
        {
            var snapshots = SnapshotDirectory(sandbox);
            await CopySparseAsync(Path.Combine(snapshots, StateFileName), Path.Combine(directory, StateFileName), cancellationToken).ConfigureAwait(false);
            await CopySparseAsync(Path.Combine(snapshots, MemoryFileName), Path.Combine(directory, MemoryFileName), cancellationToken).ConfigureAwait(false);
            await CopySparseAsync(disk.DevicePath, Path.Combine(directory, TemplateDiskName), cancellationToken).ConfigureAwait(false);
        }

        File.Copy(Path.Combine(sandbox.Directory, BootFileName), Path.Combine(directory, BootFileName));
    }

    public string BootIdentity()
    {
        var kernel = KernelLocator.Find(Path.Combine(agentOptions.Value.WrennDir, "kernels"), KernelLocator.Uncompressed);
        var written = string.Join(',', new[] { kernel.KernelPath, kernel.InitrdPath }.OfType<string>().Select(f => File.GetLastWriteTimeUtc(f).Ticks.ToString(CultureInfo.InvariantCulture)));
        return string.Join('|', RuntimeName, kernel.KernelPath, kernel.Version, written, diskOptions.Value.SizeMb.ToString(CultureInfo.InvariantCulture));
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

    public string ReadConsoleTail(RuntimeSandbox sandbox)
    {
        var log = Path.Combine(sandbox.Directory, LogFileName);
        return File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(40)) : string.Empty;
    }

    public Task<bool> IsRunningAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) => Task.FromResult(IsProcessRunning(sandbox));

    public Task<bool> ExistsAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) =>
        Task.FromResult(IsProcessRunning(sandbox) || File.Exists(Path.Combine(SnapshotDirectory(sandbox), StateFileName)));

    /// <summary>
    /// Pauses the vCPUs and writes the snapshot: full when there is none yet or the chain is long
    /// enough, else a diff whose pages are folded into the memory file. If anything fails once the
    /// vCPUs stopped, they run again before the error is reported.
    /// </summary>
    private async Task SnapshotAsync(FirecrackerApiClient api, string snapshots, CancellationToken cancellationToken)
    {
        var memory = Path.Combine(snapshots, MemoryFileName);
        var generation = ReadGeneration(snapshots);
        var full = generation == 0 || generation > options.Value.MaxDiffGenerations || !File.Exists(memory);
        await api.PauseAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = Path.Combine(snapshots, StateFileName + ".new");
            var written = Path.Combine(snapshots, full ? MemoryFileName + ".new" : DiffFileName);
            await api.CreateSnapshotAsync(new SnapshotCreateParams(full ? SnapshotType.Full : SnapshotType.Diff, state, written), cancellationToken).ConfigureAwait(false);
            if (full)
            {
                File.Move(written, memory, overwrite: true);
            }
            else
            {
                var copied = SparseFiles.CopyDataExtents(written, memory);
                File.Delete(written);
                _logger.LogInformation("Diff snapshot {Generation}: {Megabytes:F1} MB of written pages folded into the memory file", generation + 1, copied / 1048576.0);
            }

            File.Move(state, Path.Combine(snapshots, StateFileName), overwrite: true);
            await File.WriteAllTextAsync(Path.Combine(snapshots, GenerationFileName), (full ? 1 : generation + 1).ToString(CultureInfo.InvariantCulture), CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            await api.ResumeAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private static int ReadGeneration(string snapshots)
    {
        var path = Path.Combine(snapshots, GenerationFileName);
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var generation) ? generation : 0;
    }

    private async Task<FirecrackerApiClient> LaunchAsync(RuntimeSandbox sandbox, RootfsCow disk, CancellationToken cancellationToken)
    {
        var socket = Path.Combine(sandbox.Directory, SocketName);
        File.Delete(socket);
        File.Delete(Path.Combine(sandbox.Directory, PidFileName));
        await launcher.LaunchAsync(
            new FirecrackerLaunch(sandbox.SandboxId, sandbox.Network.NamespacePath, socket, disk.DevicePath, options.Value.GuestDrivePath, Path.Combine(sandbox.Directory, LogFileName), Path.Combine(sandbox.Directory, PidFileName)),
            cancellationToken).ConfigureAwait(false);
        return await FirecrackerApiClient.ConnectAsync(socket, apiOptions.Value, loggers.CreateLogger<FirecrackerApiClient>(), cancellationToken).ConfigureAwait(false);
    }

    private FirecrackerApiClient Client(RuntimeSandbox sandbox) =>
        new(Path.Combine(sandbox.Directory, SocketName), loggers.CreateLogger<FirecrackerApiClient>());

    private FirecrackerVmConfig VmConfig(RuntimeSandbox sandbox, VmBoot boot) => new(
        new BootSource(boot.KernelPath, boot.CommandLine, boot.InitrdPath),
        new MachineConfiguration((int)sandbox.Vcpus, (int)sandbox.MemoryMb, TrackDirtyPages: true),
        [new Drive("rootfs", options.Value.GuestDrivePath, IsRootDevice: true, IsReadOnly: false)],
        [new NetworkInterface("eth0", GuestNetwork.TapName, GuestNetwork.MacAddress)]);

    private static SnapshotLoadParams Load(string state, string memory) =>
        new(state, new MemoryBackend(MemoryBackendType.File, memory), TrackDirtyPages: true, ResumeVm: true);

    private VmBoot NewBoot(RuntimeSandbox sandbox)
    {
        var kernel = KernelLocator.Find(Path.Combine(agentOptions.Value.WrennDir, "kernels"), KernelLocator.Uncompressed);
        var commandLine = string.Join(' ',
            "console=ttyS0 reboot=k panic=1 pci=off quiet",
            $"wrenn.ip={GuestNetwork.GuestAddress}/{GuestNetwork.PrefixLength}",
            $"wrenn.gw={GuestNetwork.TapAddress}",
            $"wrenn.hostname={sandbox.SandboxId}",
            sandbox.Network.Nameservers.Count > 0 ? "wrenn.dns=" + string.Join(',', sandbox.Network.Nameservers) : string.Empty).TrimEnd();
        return new VmBoot(kernel.Version, kernel.KernelPath, kernel.InitrdPath, commandLine);
    }

    private static async Task<VmBoot> ReadBootAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, BootFileName);
        return JsonSerializer.Deserialize(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), AgentJsonContext.Default.VmBoot)
            ?? throw new InvalidOperationException($"{path} is empty");
    }

    private static async Task<RootfsCow> ReadDiskAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        var path = Path.Combine(sandbox.Directory, DiskRecordName);
        return JsonSerializer.Deserialize(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), AgentJsonContext.Default.RootfsCow)
            ?? throw new InvalidOperationException($"{path} is empty");
    }

    private Task CopySparseAsync(string source, string target, CancellationToken cancellationToken) =>
        commands.RunCheckedAsync("cp", ["--sparse=always", "--", source, target], cancellationToken);

    /// <summary>Ends the sandbox's firecracker process if it runs; returns what went wrong, if anything.</summary>
    private static async Task<Exception?> StopProcessAsync(RuntimeSandbox sandbox)
    {
        if (!IsProcessRunning(sandbox))
        {
            return null;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(Pid(sandbox)!.Value);
            process.Kill();
            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // It ended meanwhile.
            return null;
        }
        catch (OperationCanceledException)
        {
            return new TimeoutException($"firecracker for {sandbox.SandboxId} did not exit within 10 s of SIGKILL");
        }
    }

    private static int? Pid(RuntimeSandbox sandbox)
    {
        try
        {
            return int.TryParse(File.ReadAllText(Path.Combine(sandbox.Directory, PidFileName)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The pid is this sandbox's firecracker (not a recycled pid): its command line names the sandbox.</summary>
    private static bool IsProcessRunning(RuntimeSandbox sandbox)
    {
        if (Pid(sandbox) is not { } pid)
        {
            return false;
        }

        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains("wrenn-" + sandbox.SandboxId, StringComparison.Ordinal)
                && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private string SnapshotDirectory(RuntimeSandbox sandbox) => Path.Combine(agentOptions.Value.WrennDir, "snapshots", sandbox.SandboxId);
}
