using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes.Vm;
using Wrenn.Common.Configuration;

namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// Runs each sandbox as a QEMU microVM (KVM when /dev/kvm exists, software emulation otherwise) in the
/// sandbox's network namespace: the guest's virtio NIC is a TAP there, and the guest has the same
/// address in every sandbox (<see cref="GuestNetwork"/>), so its memory can be restored anywhere. The disk is a qcow2 overlay on the image's read-only ext4. Pause writes memory and
/// device state to $WRENN_DIR/snapshots/&lt;id&gt;/memory and ends the QEMU process (the sandbox then
/// holds no CPU or memory); resume starts QEMU from that file and continues where it stopped.
/// </summary>
public sealed class QemuRuntime(
    ICommandRunner commands,
    RootfsDiskImage rootfsImages,
    GuestTap guestTap,
    IOptions<QemuRuntimeOptions> options,
    IOptions<Storage.SandboxDiskOptions> diskOptions,
    IOptions<AgentOptions> agentOptions,
    IOptions<Container.ContainerRuntimeOptions> containerOptions,
    TemplateMemory templateMemory,
    PreparedVmms prepared,
    ILogger<QemuRuntime> logger) : IRuntime, IMovableRuntime
{
    public const string RuntimeName = "qemu";

    private readonly Lazy<string> _accelerator = new(() => RuntimeChoice.KvmUsable() ? "kvm" : "tcg");

    /// <summary>The directory in a sandbox's directory that is the VM user's own (0700): QEMU's working directory, its QMP and migration sockets.</summary>
    private const string WorkDirectoryName = "qemu";
    private const string MigrationSocketName = "migrate.sock";

    private const string DiskFileName = "disk.qcow2";
    private const string ArgumentsFileName = "qemu-args.json";
    private const string PidFileName = "qemu.pid";
    private const string QmpSocketName = "qmp.sock";
    private const string LogFileName = "qemu.log";
    private const string MemoryFileName = "memory";

    /// <summary>A running VM's guest RAM, in its sandbox directory: the file QEMU maps shared, so it outlives QEMU across a pause.</summary>
    private const string RamFileName = "memory.ram";

    /// <summary>A template's (or base snapshot's) guest RAM beside its <see cref="MemoryFileName"/> (then device state only).</summary>
    private const string TemplateRamFileName = "ram";

    /// <summary>Marks a template made of a clone: no <see cref="TemplateRamFileName"/>, its RAM is in the stream of a file-backed VM.</summary>
    private const string RamInStreamFileName = "ram-in-stream";

    private const string MemoryBackendId = "mem";

    /// <summary>
    /// The name the running QEMU was started under (its <c>-name</c> is "wrenn-" and this, its cgroup this), when
    /// that is not the sandbox's id: a prepared VMM's (<see cref="PreparedVmms"/>), renamed into the sandbox.
    /// </summary>
    private const string VmmNameFileName = "qemu.name";

    /// <summary>In a prepared VMM's directory until a create takes it: the template it holds.</summary>
    private const string PreparedFileName = "qemu.prepared";

    /// <summary>A migration speed limit no local copy reaches (QEMU accepts up to SIZE_MAX bytes/s).</summary>
    private const long UnthrottledBytesPerSecond = 1L << 40;

    /// <summary>How long a killed QEMU may take to exit.</summary>
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(10);

    private readonly VmUserPool _users = ValidatedUsers(options.Value, containerOptions.Value);

    public string Name => RuntimeName;

    public RuntimeCapabilities Capabilities { get; } = new(MemorySnapshots: true, Isolation: "vm", HostRootfs: false);

    public async Task StartAsync(RuntimeSandbox sandbox, RollbackList rollback, CancellationToken cancellationToken)
    {
        await StartVmAsync(sandbox, rollback, cancellationToken).ConfigureAwait(false);
        if (sandbox.MemoryTemplate is { } template && TemplateRam(template) == GuestRam.Private)
        {
            // The next create from this template finds its QEMU started and its state read.
            prepared.Want(template, ct => PrepareAsync(template, sandbox.Vcpus, sandbox.MemoryMb, ct));
        }
    }

    /// <summary>
    /// Takes the prepared VMM of <paramref name="memoryTemplate"/>, renamed to <paramref name="directory"/>, if there
    /// is one whose QEMU still runs (one that died while it waited is discarded, and the create starts its own).
    /// </summary>
    public async Task<bool> TryTakePreparedAsync(string memoryTemplate, uint vcpus, uint memoryMb, string directory, CancellationToken cancellationToken)
    {
        if (await prepared.TryTakeAsync(memoryTemplate, vcpus, memoryMb, TemplateStamp(memoryTemplate)).ConfigureAwait(false) is not { } vmm)
        {
            return false;
        }

        var name = Path.GetFileName(vmm.Directory);
        try
        {
            if (VmProcess.ReadPid(Path.Combine(vmm.Directory, PidFileName)) is { } pid && VmProcess.IsRunning(pid, MarkerOf(name)))
            {
                await _users.MoveAsync(vmm.Directory, directory, cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
        catch (IOException)
        {
            // Gone (an agent's recovery removed it) or in the way: discarded below.
        }

        await prepared.DiscardAsync(vmm, "its QEMU is gone or its directory could not be moved").ConfigureAwait(false);
        return false;
    }

    private async Task StartVmAsync(RuntimeSandbox sandbox, RollbackList rollback, CancellationToken cancellationToken)
    {
        var template = sandbox.MemoryTemplate;
        if (template is not null && File.Exists(Path.Combine(sandbox.Directory, PreparedFileName)))
        {
            await StartPreparedAsync(sandbox, rollback, cancellationToken).ConfigureAwait(false);
            return;
        }

        var boot = template is null ? NewBoot(sandbox) : await VmBoot.ReadAsync(template, cancellationToken).ConfigureAwait(false);
        // The VM's own user; its work directory (removed with the sandbox's) keeps the choice.
        var user = await _users.AcquireAsync(WorkDirectory(sandbox), cancellationToken).ConfigureAwait(false);

        // The disk (a qemu-img process for a boot; written by the agent on a template) and the TAP (an ip
        // process) do not depend on each other: side by side.
        var disk = CreateDiskAsync(sandbox, cancellationToken);
        try
        {
            // The namespace and everything in it go with the sandbox's network: nothing to undo here.
            await rollback.StepAsync("qemu.tap", ct => guestTap.AddTapAsync(sandbox.Network, user, ct), _ => Task.CompletedTask, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Never let a rollback delete the sandbox's directory under a running qemu-img.
            await disk.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        // Waited for in its own step, so the timing line shows what is left of qemu-img once the TAP is made
        // (waited for between the two steps before, that time was in no step).

        await rollback.StepAsync(
            "qemu.disk",
            _ => disk,
            _ =>
            {
                File.Delete(Path.Combine(sandbox.Directory, DiskFileName));
                return Task.CompletedTask;
            },
            cancellationToken).ConfigureAwait(false);

        // QEMU needs only the TAP to start: the namespace's NAT (iptables-restore) is made while QEMU starts,
        // and is in place before the guest runs (a restored one is continued after it, a booted one starts
        // after it), so the guest never sends or receives a packet untranslated.
        var translation = guestTap.TranslateAsync(sandbox.Network, cancellationToken);
        try
        {
            await StartQemuAsync(sandbox, rollback, template, boot, translation, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Never let a rollback remove the namespace under a running iptables-restore.
            await translation.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// QEMU's start and (from a template or base snapshot) the restore of the saved guest, with the wait for
    /// <paramref name="translation"/> as its own step (qemu.nat) before the guest runs: before a boot's launch,
    /// between a restore's launch and its load (which ends in cont).
    /// </summary>
    private async Task StartQemuAsync(RuntimeSandbox sandbox, RollbackList rollback, string? template, VmBoot boot, Task translation, CancellationToken cancellationToken)
    {
        if (template is null)
        {
            await rollback.StepAsync("qemu.nat", _ => translation, _ => Task.CompletedTask, cancellationToken).ConfigureAwait(false);
        }

        // The template's RAM copy, when the clone maps one: QEMU starts while it may still be filled (the
        // template was just written, or this is its first clone); the restore loads the state only once it is.
        var templateRamFilled = Task.CompletedTask;

        // Two steps, so the create's timing line tells QEMU's own start from loading the saved guest.
        await rollback.StepAsync(
            "qemu.launch",
            async ct =>
            {
                var ram = template is null
                    ? GuestRam.Shared
                    : TemplateRam(template);
                var arguments = Arguments(sandbox, boot, ram);
                await WriteLaunchFilesAsync(sandbox, boot, arguments, ct).ConfigureAwait(false);
                if (template is null)
                {
                    await LaunchAsync(sandbox, arguments, BootFiles(boot), null, null, ct).ConfigureAwait(false);
                    logger.QemuBooting(sandbox.SandboxId, boot.KernelVersion, Accelerator);
                }
                else if (ram == GuestRam.Private)
                {
                    // The template's memory already holds a booted guest with envd running: restore, don't boot.
                    templateRamFilled = await LaunchCloneAsync(sandbox, template, arguments, ct).ConfigureAwait(false);
                }
                else
                {
                    await LaunchIncomingAsync(sandbox, arguments, Path.Combine(template, MemoryFileName), null, ct).ConfigureAwait(false);
                }
            },
            ct => StopOrThrowAsync(sandbox, ct),
            cancellationToken).ConfigureAwait(false);

        if (template is not null)
        {
            // What is left of the translation once QEMU is up (usually nothing); the launch's undo kills QEMU if it failed.
            await rollback.StepAsync("qemu.nat", _ => translation, _ => Task.CompletedTask, cancellationToken).ConfigureAwait(false);

            // The launch's undo kills QEMU if this fails.
            await rollback.StepAsync(
                "qemu.restore",
                async ct =>
                {
                    var ram = TemplateRam(template);
                    var phases = await LoadIncomingAsync(sandbox, ignoreShared: ram == GuestRam.Private, templateRamFilled, ct).ConfigureAwait(false);
                    logger.QemuRestored(
                        sandbox.SandboxId,
                        Path.GetFileName(template),
                        boot.KernelVersion,
                        Accelerator,
                        phases);
                },
                _ => Task.CompletedTask,
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A create that took a prepared VMM (<see cref="TryTakePrepared"/>): QEMU runs in this directory with the
    /// template's state read, its TAP in the VMM's own namespace. The TAP moves into the sandbox's namespace
    /// (its address comes with it anew), the namespace's NAT is made meanwhile, and the guest runs.
    /// </summary>
    private async Task StartPreparedAsync(RuntimeSandbox sandbox, RollbackList rollback, CancellationToken cancellationToken)
    {
        var name = VmmName(sandbox);
        var translation = guestTap.TranslateAsync(sandbox.Network, cancellationToken);
        var unnamed = Task.CompletedTask;
        try
        {
            await rollback.StepAsync(
                "qemu.prepared",
                async ct =>
                {
                    await guestTap.MoveTapAsync(PreparedNamespace(name), sandbox.Network, ct).ConfigureAwait(false);

                    // Launched again (a resume), it is this sandbox's QEMU by name.
                    var arguments = await SavedArgumentsAsync(sandbox, ct).ConfigureAwait(false);
                    arguments[arguments.IndexOf("-name") + 1] = MarkerOf(sandbox.SandboxId);
                    await SaveArgumentsAsync(sandbox, arguments, ct).ConfigureAwait(false);
                    File.Delete(Path.Combine(sandbox.Directory, PreparedFileName));
                },
                ct => StopOrThrowAsync(sandbox, ct),
                cancellationToken).ConfigureAwait(false);

            // Its name is of no use now: the QEMU in it holds it as long as it runs.
            unnamed = RemovePreparedNamespaceAsync(name, cancellationToken);
            await rollback.StepAsync("qemu.nat", _ => translation, _ => Task.CompletedTask, cancellationToken).ConfigureAwait(false);
            await rollback.StepAsync(
                "qemu.cont",
                async ct =>
                {
                    await using var qmp = await QmpClient.ConnectAsync(QmpSocket(sandbox), options.Value.ProcessStartTimeout, ct).ConfigureAwait(false);
                    await qmp.ExecuteAsync("cont", null, ct).ConfigureAwait(false);
                },
                _ => Task.CompletedTask,
                cancellationToken).ConfigureAwait(false);
            await unnamed.ConfigureAwait(false);
        }
        finally
        {
            // Never let a rollback remove the namespace under a running iptables-restore, or race the name's removal.
            await translation.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await unnamed.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Makes a prepared VMM of <paramref name="template"/> (<see cref="PreparedVmms"/>): a directory laid out as a
    /// sandbox's, named as none is, with its disk, QEMU started as a clone's is and the template's state read,
    /// and a TAP in a namespace of its own (nothing else in it: the guest has not run and reaches nothing).
    /// On failure nothing of it is left.
    /// </summary>
    private async Task<PreparedVmm> PrepareAsync(string template, uint vcpus, uint memoryMb, CancellationToken cancellationToken)
    {
        var name = PreparedNamePrefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        var stamp = TemplateStamp(template);
        var vmm = new RuntimeSandbox(
            name,
            Path.Combine(agentOptions.Value.SandboxesDir, name),
            string.Empty,
            RuntimeNetwork.Detached with { NamespacePath = Path.Combine(NetnsDirectory, PreparedNamespace(name)) },
            vcpus,
            memoryMb,
            new Dictionary<string, string>(),
            MemoryTemplate: template);
        try
        {
            Directory.CreateDirectory(vmm.Directory);
            Sandboxes.SandboxRootAccess.CloseSandboxDirectory(vmm.Directory, null);
            var user = await _users.AcquireAsync(WorkDirectory(vmm), cancellationToken).ConfigureAwait(false);
            // Not cancelled half-way: an `ip` killed by a stop could still add the name after the discard looked.
            await commands.RunCheckedAsync("ip", ["netns", "add", PreparedNamespace(name)], CancellationToken.None).ConfigureAwait(false);
            await guestTap.AddUnaddressedTapAsync(PreparedNamespace(name), user, CancellationToken.None).ConfigureAwait(false);
            CreateTemplateDisk(Path.Combine(vmm.Directory, DiskFileName), template);

            var boot = await VmBoot.ReadAsync(template, cancellationToken).ConfigureAwait(false);
            var arguments = Arguments(vmm, boot, GuestRam.Private);
            await WriteLaunchFilesAsync(vmm, boot, arguments, cancellationToken).ConfigureAwait(false);
            var ramFilled = await LaunchCloneAsync(vmm, template, arguments, cancellationToken).ConfigureAwait(false);

            // From here the QEMU is known by this name in whatever directory it is renamed to.
            await File.WriteAllTextAsync(Path.Combine(vmm.Directory, VmmNameFileName), name, cancellationToken).ConfigureAwait(false);
            await LoadIncomingAsync(vmm, ignoreShared: true, ramFilled, cancellationToken, run: false).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(vmm.Directory, PreparedFileName), template, cancellationToken).ConfigureAwait(false);
            return new PreparedVmm(template, vmm.Directory, vcpus, memoryMb, stamp, () => DiscardPreparedAsync(vmm));
        }
        catch
        {
            await DiscardPreparedAsync(vmm).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A prepared VMM nobody took: its QEMU, cgroup, namespace and directory go. When stopping it failed the
    /// directory stays (as a sandbox's teardown keeps it): the agent's next start finds the rest through it.
    /// </summary>
    private async Task DiscardPreparedAsync(RuntimeSandbox vmm)
    {
        if (!Directory.Exists(vmm.Directory))
        {
            // Removed already, with its QEMU, by the recovery of an agent that found it left over.
            return;
        }

        await StopOrThrowAsync(vmm, CancellationToken.None).ConfigureAwait(false);
        Directory.Delete(vmm.Directory, recursive: true);
    }

    /// <summary>The version of a template's saved guest a prepared VMM holds: its state's and RAM's sizes and times.</summary>
    private static string TemplateStamp(string template)
    {
        var memory = new FileInfo(Path.Combine(template, MemoryFileName));
        var ram = new FileInfo(Path.Combine(template, TemplateRamFileName));
        return string.Create(CultureInfo.InvariantCulture, $"{memory.Length}:{memory.LastWriteTimeUtc.Ticks}:{(ram.Exists ? ram.Length : -1)}:{(ram.Exists ? ram.LastWriteTimeUtc.Ticks : 0)}");
    }

    private const string NetnsDirectory = "/run/netns";

    /// <summary>What a prepared VMM's name (its directory's, its QEMU's, its cgroup's) starts with; no sandbox's does.</summary>
    private const string PreparedNamePrefix = "pv-";

    /// <summary>The namespace a prepared VMM's TAP waits in (and its QEMU stays in).</summary>
    private static string PreparedNamespace(string vmmName) => "wrenn-" + vmmName;

    /// <summary>Removes a prepared VMM's namespace name, if it has one (a sandbox's own QEMU has none).</summary>
    private async Task RemovePreparedNamespaceAsync(string vmmName, CancellationToken cancellationToken)
    {
        if (vmmName.StartsWith(PreparedNamePrefix, StringComparison.Ordinal) && File.Exists(Path.Combine(NetnsDirectory, PreparedNamespace(vmmName))))
        {
            await commands.RunCheckedAsync("ip", ["netns", "del", PreparedNamespace(vmmName)], cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task PauseAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        await using var qmp = await QmpClient.ConnectAsync(QmpSocket(sandbox), TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        var memory = MemoryFile(sandbox);
        Directory.CreateDirectory(Path.GetDirectoryName(memory)!);
        await SaveMemoryAsync(qmp, sandbox, memory, cancellationToken).ConfigureAwait(false);

        // Saved: the process goes, and with it the sandbox's CPU and memory (and its cgroup).
        await QuitAsync(qmp).ConfigureAwait(false);
        await WaitForExitAsync(sandbox, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        await ReleaseCgroupAsync(sandbox).ConfigureAwait(false);
        logger.QemuStateSaved(
            sandbox.SandboxId,
            new FileInfo(memory).Length / 1048576.0,
            File.Exists(RamFile(sandbox)) ? "devices only: guest RAM stays in its file" : "memory and devices");
    }

    /// <summary>
    /// A template of a VM: its memory and device state, its disk (a qcow2 on the same backing chain) and
    /// how it was booted. A running VM is stopped for the copy and continues after.
    /// </summary>
    public async Task WriteTemplateAsync(RuntimeSandbox sandbox, string directory, CancellationToken cancellationToken)
    {
        var memory = Path.Combine(directory, MemoryFileName);
        if (await IsRunningAsync(sandbox, cancellationToken).ConfigureAwait(false))
        {
            await using var qmp = await QmpClient.ConnectAsync(QmpSocket(sandbox), TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            await SaveMemoryAsync(qmp, sandbox, memory, cancellationToken).ConfigureAwait(false);
            try
            {
                // QEMU flushed and let go of the disk when the migration completed; it is consistent with the memory now.
                await CopyDiskAsync(sandbox, directory, cancellationToken).ConfigureAwait(false);

                // The vCPUs stand still, so the RAM file (not in the state stream when shared) is consistent too.
                await CopyRamAsync(sandbox, directory, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // 'cont' after a completed migration takes the disk back and runs the guest on.
                await qmp.ExecuteAsync("cont", null, CancellationToken.None).ConfigureAwait(false);
            }

            await DetachFromBaseSnapshotAsync(sandbox, directory, cancellationToken).ConfigureAwait(false);
        }
        else if (File.Exists(MemoryFile(sandbox)))
        {
            // Paused: its memory is on disk already.
            await commands.RunCheckedAsync("cp", ["--sparse=always", "--", MemoryFile(sandbox), memory], cancellationToken).ConfigureAwait(false);
            await CopyDiskAsync(sandbox, directory, cancellationToken).ConfigureAwait(false);
            await CopyRamAsync(sandbox, directory, cancellationToken).ConfigureAwait(false);
            await DetachFromBaseSnapshotAsync(sandbox, directory, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            throw new InvalidOperationException($"sandbox {sandbox.SandboxId} has neither a running VM nor saved memory");
        }

        File.Copy(Path.Combine(sandbox.Directory, VmBoot.FileName), Path.Combine(directory, VmBoot.FileName));
        var ram = Path.Combine(directory, TemplateRamFileName);
        if (File.Exists(ram))
        {
            // The sealed copy its clones map, made now and not by the first clone's create (issue 16: the
            // first create from a template took ~1.4 s against ~0.56 s for the next ones). Opened here: the
            // directory may be a staging one, renamed into place before the copy is done.
            _ = templateMemory.PreloadAsync(File.OpenHandle(ram, FileMode.Open, FileAccess.Read), ram);
        }

        logger.QemuTemplateSaved(sandbox.SandboxId, new FileInfo(memory).Length / 1048576.0);
    }

    public async Task ResumeAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        if (await IsRunningAsync(sandbox, cancellationToken).ConfigureAwait(false))
        {
            // A pause that failed half-way left the process stopped, not saved: continue it.
            await using var live = await QmpClient.ConnectAsync(QmpSocket(sandbox), TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            await live.ExecuteAsync("cont", null, cancellationToken).ConfigureAwait(false);
            return;
        }

        var memory = MemoryFile(sandbox);
        if (!File.Exists(memory))
        {
            throw new InvalidOperationException($"sandbox {sandbox.SandboxId} has no saved memory to resume from");
        }

        var saved = await SavedArgumentsAsync(sandbox, cancellationToken).ConfigureAwait(false);
        var user = await _users.AcquireAsync(WorkDirectory(sandbox), cancellationToken).ConfigureAwait(false);
        await guestTap.EnsureTapAsync(sandbox.Network, user, cancellationToken).ConfigureAwait(false);

        // A clone (a template's RAM mapped privately) was saved with its RAM in the stream: it resumes into
        // a RAM file of its own, mapped shared, so from now on its pauses write device state only. Its
        // arguments say so once the restore worked; until then a retry reads the same stream the same way.
        var ram = RamOf(saved);
        var arguments = ram == GuestRam.Private ? WithOwnRam(saved) : saved;

        // On failure the memory file stays: the sandbox is still paused and the resume can be retried.
        // QEMU reads no kernel to restore, but a paused VM whose kernel has left this host is refused as before.
        _ = await VmBoot.ReadAsync(sandbox.Directory, cancellationToken).ConfigureAwait(false);

        // The namespace's NAT is made while QEMU starts (as for a create), and is in place before the guest
        // runs. Made every time (iptables-restore replaces the table whole): a retried resume whose first try
        // made the TAP but failed before the translation must not find the TAP and skip it.
        var translation = guestTap.TranslateAsync(sandbox.Network, cancellationToken);
        RestorePhases phases;
        try
        {
            phases = await RestoreAsync(sandbox, arguments, memory, ignoreShared: ram == GuestRam.Shared, translation, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await translation.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (ram == GuestRam.Private)
        {
            await SaveArgumentsAsync(sandbox, arguments, cancellationToken).ConfigureAwait(false);
        }

        File.Delete(memory);
        logger.QemuResumed(sandbox.SandboxId, ram == GuestRam.Private ? " into a RAM file of its own" : string.Empty, phases);
    }

    public async Task PackPausedAsync(RuntimeSandbox sandbox, string directory, CancellationToken cancellationToken)
    {
        var memory = MemoryFile(sandbox);
        if (await IsRunningAsync(sandbox, cancellationToken).ConfigureAwait(false) || !File.Exists(memory))
        {
            throw new InvalidOperationException($"sandbox {sandbox.SandboxId} is not paused to disk");
        }

        // Checked as a launch checks it (no QEMU runs now, so the headers stay as read): every file under the
        // disk lies in the images, templates or snapshots. Then one standalone disk: the other host's image
        // file, base snapshot or template copy need not hold the same blocks as this host's.
        var disk = Path.Combine(sandbox.Directory, DiskFileName);
        QemuDiskChain.Read(disk, DiskRoots);
        await commands.RunCheckedAsync("qemu-img", ["convert", "-q", "-f", "qcow2", "-O", "qcow2", disk, Path.Combine(directory, DiskFileName)], cancellationToken).ConfigureAwait(false);
        await commands.RunCheckedAsync("cp", ["--sparse=always", "--", memory, Path.Combine(directory, MemoryFileName)], cancellationToken).ConfigureAwait(false);
        if (File.Exists(RamFile(sandbox)))
        {
            await commands.RunCheckedAsync("cp", ["--sparse=always", "--", RamFile(sandbox), Path.Combine(directory, RamFileName)], cancellationToken).ConfigureAwait(false);
        }

        File.Copy(Path.Combine(sandbox.Directory, VmBoot.FileName), Path.Combine(directory, VmBoot.FileName));
        File.Copy(Path.Combine(sandbox.Directory, ArgumentsFileName), Path.Combine(directory, ArgumentsFileName));
    }

    public async Task UnpackPausedAsync(RuntimeSandbox sandbox, string directory, CancellationToken cancellationToken)
    {
        // The saved guest runs the kernel it booted: this host must have that one (same file name), under its own kernels directory.
        var boot = await ReadBootAsync(Path.Combine(directory, VmBoot.FileName), cancellationToken).ConfigureAwait(false);
        var kernels = agentOptions.Value.Layout.Kernels;
        var kernel = Path.Combine(kernels, Path.GetFileName(boot.KernelPath));
        var initrd = boot.InitrdPath is { } saved ? Path.Combine(kernels, Path.GetFileName(saved)) : null;
        if (!File.Exists(kernel) || (initrd is not null && !File.Exists(initrd)))
        {
            throw new KernelNotFoundException($"the sandbox's memory holds kernel {boot.KernelVersion} ({Path.GetFileName(boot.KernelPath)}), which {kernels} does not have");
        }

        var arguments = JsonSerializer.Deserialize(await File.ReadAllTextAsync(Path.Combine(directory, ArgumentsFileName), cancellationToken).ConfigureAwait(false), AgentJsonContext.Default.ListString)
            ?? throw new InvalidDataException("the sandbox's QEMU arguments are empty");
        if (RamOf(arguments) == GuestRam.Shared && !File.Exists(Path.Combine(directory, RamFileName)))
        {
            throw new InvalidDataException("the sandbox's guest RAM file is missing");
        }

        // The disk must stand on nothing: a header naming a file would be another host's path (or a crafted one).
        var disk = Path.Combine(directory, DiskFileName);
        if (!Qcow2BackingFile.IsQcow2(disk) || Qcow2BackingFile.Read(disk) is not null)
        {
            throw new InvalidDataException("the sandbox's disk is not a standalone qcow2 image");
        }

        await File.WriteAllTextAsync(Path.Combine(sandbox.Directory, VmBoot.FileName), JsonSerializer.Serialize(boot with { KernelPath = kernel, InitrdPath = initrd }, AgentJsonContext.Default.VmBoot), cancellationToken).ConfigureAwait(false);
        await SaveArgumentsAsync(sandbox, arguments, cancellationToken).ConfigureAwait(false);
        File.Move(disk, Path.Combine(sandbox.Directory, DiskFileName));
        File.SetUnixFileMode(Path.Combine(sandbox.Directory, DiskFileName), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (File.Exists(Path.Combine(directory, RamFileName)))
        {
            // Owned by whichever VM user the resume takes (PrepareRamFile).
            File.Move(Path.Combine(directory, RamFileName), RamFile(sandbox));
        }

        var memory = MemoryFile(sandbox);
        Directory.CreateDirectory(Path.GetDirectoryName(memory)!);
        File.Move(Path.Combine(directory, MemoryFileName), memory);
    }

    /// <summary>A vm.json as written (its kernel may be another host's path), without <see cref="VmBoot.ReadAsync"/>'s check that the kernel exists.</summary>
    private static async Task<VmBoot> ReadBootAsync(string path, CancellationToken cancellationToken) =>
        JsonSerializer.Deserialize(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), AgentJsonContext.Default.VmBoot)
            ?? throw new InvalidDataException($"{path} is empty");

    /// <summary>Starts QEMU from saved memory and device state and lets the guest run; on failure no process is left.</summary>
    /// <remarks><paramref name="beforeRunning"/> (the namespace's translation) is awaited between QEMU's start and the load, which ends in cont.</remarks>
    private async Task<RestorePhases> RestoreAsync(RuntimeSandbox sandbox, IReadOnlyList<string> arguments, string memory, bool ignoreShared, Task beforeRunning, CancellationToken cancellationToken)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            await LaunchIncomingAsync(sandbox, arguments, memory, null, cancellationToken).ConfigureAwait(false);
            await beforeRunning.ConfigureAwait(false);
            var launched = Stopwatch.GetElapsedTime(started);
            return await LoadIncomingAsync(sandbox, ignoreShared, Task.CompletedTask, cancellationToken).ConfigureAwait(false) with { Launch = launched };
        }
        catch
        {
            await KillAsync(sandbox).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts QEMU waiting for the saved state in <paramref name="memory"/> (-incoming defer): it reads nothing
    /// and the guest does not run until <see cref="LoadIncomingAsync"/> asks, so the namespace's translation
    /// can be made meanwhile. QEMU continues a guest by itself once its state is read (no -S), so reading must
    /// not start on its own: with x-ignore-shared (shared RAM left out of the stream) the incoming side must
    /// set the capability before it reads anyway (QEMU 7.2 has no property for it).
    /// </summary>
    /// <remarks>
    /// Without the kernel, initrd and command line: the restored guest's kernel is in its memory, and QEMU
    /// would read the whole kernel file (14 MB) at its start only to offer it through fw_cfg, which a running
    /// guest never reads again (~18 ms of QEMU's start to its first QMP answer, issue 16). The device list,
    /// which the state must match, does not depend on them.
    /// </remarks>
    private Task LaunchIncomingAsync(RuntimeSandbox sandbox, IReadOnlyList<string> arguments, string memory, string? templateRam, CancellationToken cancellationToken) =>
        LaunchAsync(sandbox, [.. WithoutBootFiles(arguments), "-incoming", "defer"], [], memory, templateRam, cancellationToken);

    /// <summary>QEMU arguments without <c>-kernel</c>, <c>-initrd</c> and <c>-append</c> and their values.</summary>
    private static List<string> WithoutBootFiles(IReadOnlyList<string> arguments)
    {
        var kept = new List<string>(arguments.Count);
        for (var i = 0; i < arguments.Count; i++)
        {
            if (arguments[i] is "-kernel" or "-initrd" or "-append" && i + 1 < arguments.Count)
            {
                i++;
                continue;
            }

            kept.Add(arguments[i]);
        }

        return kept;
    }

    /// <summary>
    /// Reads the saved state into a QEMU <see cref="LaunchIncomingAsync"/> started, then lets the guest run. The
    /// state is read only once <paramref name="ramFilled"/> is done: reading it is the first time QEMU reads guest
    /// RAM (a template's copy still being filled would show it pages not yet there).
    /// </summary>
    private async Task<RestorePhases> LoadIncomingAsync(RuntimeSandbox sandbox, bool ignoreShared, Task ramFilled, CancellationToken cancellationToken, bool run = true)
    {
        var started = Stopwatch.GetTimestamp();
        await using var qmp = await QmpClient.ConnectAsync(QmpSocket(sandbox), options.Value.ProcessStartTimeout, cancellationToken).ConfigureAwait(false);
        var connected = Stopwatch.GetElapsedTime(started);
        if (ignoreShared)
        {
            await SetIgnoreSharedAsync(qmp, true, cancellationToken).ConfigureAwait(false);
        }

        var waiting = Stopwatch.GetTimestamp();
        await ramFilled.WaitAsync(cancellationToken).ConfigureAwait(false);
        var ramWait = Stopwatch.GetElapsedTime(waiting);
        await qmp.ExecuteAsync("migrate-incoming", new JsonObject { ["uri"] = IncomingUri }, cancellationToken).ConfigureAwait(false);

        await WaitForIncomingAsync(qmp, cancellationToken).ConfigureAwait(false);
        var loaded = Stopwatch.GetElapsedTime(started);
        if (run)
        {
            await qmp.ExecuteAsync("cont", null, cancellationToken).ConfigureAwait(false);
        }

        return new RestorePhases(TimeSpan.Zero, connected, loaded - connected - ramWait, Stopwatch.GetElapsedTime(started) - loaded) { RamWait = ramWait };
    }

    private static string IncomingUri => $"fd:{QemuLaunch.IncomingFd.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A clone's saved arguments with its RAM in a file of its own, mapped shared, instead of the template's mapped privately.</summary>
    private static List<string> WithOwnRam(IReadOnlyList<string> arguments) =>
        [.. arguments.Select(a => a.StartsWith("memory-backend-file,id=" + MemoryBackendId + ",", StringComparison.Ordinal) && a.EndsWith(",share=off", StringComparison.Ordinal)
            ? a[..^",share=off".Length] + ",share=on"
            : a)];

    /// <summary>
    /// Stops the vCPUs and writes memory and device state to <paramref name="memory"/> (through a socket
    /// the agent copies from: <see cref="MigrationFileSink"/>); if that fails the vCPUs run again.
    /// </summary>
    private async Task SaveMemoryAsync(QmpClient qmp, RuntimeSandbox sandbox, string memory, CancellationToken cancellationToken)
    {
        // Only RAM that is the VM's own shared file is left out of the stream. A clone's (the template's
        // RAM mapped privately) goes in whole, without the x-ignore-shared layout its create's restore set,
        // so the stream reads back into a file of its own (resume) or into anonymous memory (a template's clones).
        await SetIgnoreSharedAsync(qmp, RamOf(await SavedArgumentsAsync(sandbox, cancellationToken).ConfigureAwait(false)) == GuestRam.Shared, cancellationToken).ConfigureAwait(false);

        // QEMU throttles a migration to 128 MiB/s by default, meant for a live VM on a network link; here the
        // vCPUs stand still and the stream goes to a local file, so a clone's ~100 MB took ~0.8 s for nothing.
        await qmp.ExecuteAsync("migrate-set-parameters", new JsonObject { ["max-bandwidth"] = UnthrottledBytesPerSecond }, cancellationToken).ConfigureAwait(false);

        await qmp.ExecuteAsync("stop", null, cancellationToken).ConfigureAwait(false);
        try
        {
            File.Delete(memory);
            var user = await _users.AcquireAsync(WorkDirectory(sandbox), cancellationToken).ConfigureAwait(false);
            await using var sink = MigrationFileSink.Listen(Path.Combine(WorkDirectory(sandbox), MigrationSocketName), user, memory);
            // Relative: QEMU resolves it in its working directory, the only one it may reach.
            await qmp.ExecuteAsync("migrate", new JsonObject { ["uri"] = "unix:" + MigrationSocketName }, cancellationToken).ConfigureAwait(false);
            await WaitForMigrationAsync(qmp, cancellationToken).ConfigureAwait(false);
            await sink.Completion.WaitAsync(options.Value.SnapshotTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The vCPUs stopped but nothing was saved: let them run again before reporting the failure.
            File.Delete(memory);
            await qmp.ExecuteAsync("cont", null, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Copies the sandbox's disk into a template (<see cref="DetachFromBaseSnapshotAsync"/> follows). A sandbox restored from a prebuilt base snapshot stands
    /// on that snapshot's disk, which is the agent's to replace, not a template's to keep: such a copy
    /// is rebased onto the image itself (what the base disk holds is folded in), so the template stands
    /// only on the image and on other templates.
    /// </summary>
    private async Task CopyDiskAsync(RuntimeSandbox sandbox, string directory, CancellationToken cancellationToken)
    {
        var copy = Path.Combine(directory, DiskFileName);
        await commands.RunCheckedAsync("cp", ["--sparse=always", "--", Path.Combine(sandbox.Directory, DiskFileName), copy], cancellationToken).ConfigureAwait(false);

        // The copy's header was writable by the sandbox's QEMU: before qemu-img (as root) or any later
        // VM follows its backing file, that must be one of the agent's images.
        if (Qcow2BackingFile.Read(copy) is { } backing)
        {
            QemuDiskChain.EnsureAllowed(backing, copy, DiskRoots);
        }
    }

    /// <summary>A VM whose guest RAM is its own file (share=on) gives the template a copy of it; a clone's RAM was in the stream.</summary>
    private async Task CopyRamAsync(RuntimeSandbox sandbox, string directory, CancellationToken cancellationToken)
    {
        var ram = RamFile(sandbox);
        if (File.Exists(ram))
        {
            // The file was the VM user's to write: copied as a regular file only, never through a link it made.
            var (_, _, mode) = FileOwnership.Stat(ram);
            if (!FileOwnership.IsRegularFile(mode))
            {
                throw new InvalidOperationException($"{ram} is not a regular file");
            }

            await commands.RunCheckedAsync("cp", ["--sparse=always", "-P", "--", ram, Path.Combine(directory, TemplateRamFileName)], cancellationToken).ConfigureAwait(false);
        }
        else if (RamOf(await SavedArgumentsAsync(sandbox, cancellationToken).ConfigureAwait(false)) == GuestRam.Private)
        {
            // A clone's RAM is in the stream, from a RAM block named as the file-backed one: the template's
            // sandboxes must have such a block too (anonymous RAM has another name, and QEMU refuses the stream).
            await File.WriteAllBytesAsync(Path.Combine(directory, RamInStreamFileName), [], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// How a sandbox from <paramref name="template"/> holds its RAM: the template's RAM file mapped privately;
    /// a file of its own the stream's RAM is read into (a template of a clone); or anonymous memory (a template
    /// made before guest RAM was a file).
    /// </summary>
    private static GuestRam TemplateRam(string template) =>
        File.Exists(Path.Combine(template, TemplateRamFileName)) ? GuestRam.Private
        : File.Exists(Path.Combine(template, RamInStreamFileName)) ? GuestRam.Shared
        : GuestRam.Anonymous;

    /// <summary>Where the files under a VM's disk may lie: images, templates, base snapshots.</summary>
    private string[] DiskRoots => [agentOptions.Value.ImagesDir, agentOptions.Value.TemplatesDir, agentOptions.Value.Layout.Snapshots];

    private async Task DetachFromBaseSnapshotAsync(RuntimeSandbox sandbox, string directory, CancellationToken cancellationToken)
    {
        var copy = Path.Combine(directory, DiskFileName);
        if (sandbox.MemoryTemplate is { } template && !Path.GetFullPath(template).StartsWith(agentOptions.Value.TemplatesDir.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            var info = await commands.RunCheckedAsync("qemu-img", ["info", "--output=json", Path.Combine(template, DiskFileName)], cancellationToken).ConfigureAwait(false);
            using var json = JsonDocument.Parse(info.StandardOutput);
            var image = json.RootElement.GetProperty("full-backing-filename").GetString()
                ?? throw new InvalidOperationException($"{template}'s disk has no backing image");
            var format = json.RootElement.TryGetProperty("backing-filename-format", out var f) ? f.GetString() ?? "raw" : "raw";
            await commands.RunCheckedAsync("qemu-img", ["rebase", "-q", "-f", "qcow2", "-b", image, "-F", format, copy], cancellationToken).ConfigureAwait(false);
        }
    }

    private VmBoot NewBoot(RuntimeSandbox sandbox)
    {
        var kernel = KernelLocator.Find(agentOptions.Value.Layout.Kernels);
        var commandLine = string.Join(' ',
            "console=ttyS0 quiet reboot=t panic=-1",
            EmulationHints(),
            $"wrenn.ip={GuestNetwork.GuestAddress}/{GuestNetwork.PrefixLength}",
            $"wrenn.gw={GuestNetwork.TapAddress}",
            $"wrenn.hostname={sandbox.SandboxId}",
            sandbox.Network.Nameservers.Count > 0 ? "wrenn.dns=" + string.Join(',', sandbox.Network.Nameservers) : string.Empty,
            EnvdStartupToken.KernelParameter(sandbox)).TrimEnd();
        return new VmBoot(kernel.Version, kernel.KernelPath, kernel.InitrdPath, commandLine, EntropyDevice: true);
    }

    /// <summary>The kernel a new VM would boot, the machine, the accelerator and the disk size: a snapshot restores only onto the same.</summary>
    public string BootIdentity()
    {
        var kernel = KernelLocator.Find(agentOptions.Value.Layout.Kernels);
        // "rng": base snapshots taken before the virtio-rng device are not reused; new ones have it.
        // "ram-file": nor those whose RAM is in the state stream; new ones keep it in a file clones map privately.
        return string.Join('|', RuntimeName, kernel.Identity(), options.Value.Machine, Accelerator, diskOptions.Value.SizeMb.ToString(CultureInfo.InvariantCulture), "rng", "ram-file");
    }

    public Task<RuntimeUsage> GetUsageAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) =>
        Task.FromResult(VmProcessUsage.Read(Pid(sandbox), (long)sandbox.MemoryMb * 1024 * 1024));

    public async Task<IReadOnlyList<Exception>> StopAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        var errors = new List<Exception>();
        try
        {
            await KillAsync(sandbox).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            errors.Add(ex);
        }

        try
        {
            await VmCgroup.RemoveAsync(options.Value.CgroupParent, VmmName(sandbox), cancellationToken).ConfigureAwait(false);
            await VmCgroup.RemoveAsync(options.Value.CgroupParent, sandbox.SandboxId, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            errors.Add(ex);
        }

        try
        {
            // A prepared VMM's namespace (its QEMU is gone now), when no create took the VMM and its TAP.
            await RemovePreparedNamespaceAsync(VmmName(sandbox), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or CommandFailedException)
        {
            errors.Add(ex);
        }

        try
        {
            File.Delete(RamFile(sandbox));
            var snapshots = Path.GetDirectoryName(MemoryFile(sandbox))!;
            if (Directory.Exists(snapshots))
            {
                Directory.Delete(snapshots, recursive: true);
            }
        }
        catch (IOException ex)
        {
            errors.Add(ex);
        }

        return errors;
    }

    /// <summary>
    /// Removes the VM cgroups nothing runs in any more and whose sandbox directory is gone (left by an
    /// agent that died between the two), and their parent when empty.
    /// </summary>
    public Task ReleaseHostResourcesAsync(CancellationToken cancellationToken)
    {
        foreach (var removed in VmCgroup.RemoveEmpty(options.Value.CgroupParent, id => Directory.Exists(Path.Combine(agentOptions.Value.SandboxesDir, id))))
        {
            logger.OrphanCgroupRemoved(removed);
        }

        return Task.CompletedTask;
    }

    /// <summary>The RAM copies of templates and base snapshots whose files are gone go (<see cref="TemplateMemory.ReleaseStale"/>).</summary>
    public async Task ReleaseRemovedTemplatesAsync()
    {
        // The prepared VMs first: each holds its template's RAM copy and disk open.
        await prepared.DiscardRemovedAsync().ConfigureAwait(false);
        templateMemory.ReleaseStale();
    }

    public string ReadConsoleTail(RuntimeSandbox sandbox) => ConsoleLog.Tail(sandbox.Directory);

    public Task<bool> IsRunningAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) =>
        Task.FromResult(Pid(sandbox) is { } pid && IsOurQemu(pid, sandbox));

    public async Task<bool> ExistsAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) =>
        await IsRunningAsync(sandbox, cancellationToken).ConfigureAwait(false) || File.Exists(MemoryFile(sandbox));

    /// <summary>
    /// KVM where it runs ordinary guests (RuntimeChoice.KvmUsable: /dev/kvm opens and the CPU has vmx or svm),
    /// else software emulation. A /dev/kvm alone is not enough: a kernel with PVM serves one with no hardware
    /// virtualization, and QEMU's guest dies at its first MSR there. Looked at once per agent.
    /// </summary>
    private string Accelerator => _accelerator.Value;

    /// <summary>
    /// Kernel parameters for software emulation; none with KVM.
    /// <list type="bullet">
    /// <item>The guest's TSC runs at the host's rate, but the kernel's calibration of it against the emulated PIT is
    /// timing-sensitive: on a busy host it failed and the boot hung for good in the delay-loop calibration. Telling
    /// the guest the rate skips both calibrations. With KVM the guest has kvmclock and needs no hint.</item>
    /// <item><c>mitigations=off</c>: the guest's defences against speculative execution (retpolines for every
    /// indirect call, RSB filling, barriers on kernel entry) guard against the CPU that runs guest instructions,
    /// and under emulation that CPU does not speculate: the host runs code QEMU generated, in which a guest's
    /// retpoline is not one. They only cost the emulated guest time. With KVM (<c>-cpu host</c>) the guest runs
    /// on the real CPU and keeps them.</item>
    /// </list>
    /// </summary>
    private string EmulationHints()
    {
        if (Accelerator == "kvm")
        {
            return string.Empty;
        }

        var megahertz = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("cpu MHz", StringComparison.Ordinal))?.Split(':')[1].Trim();
        var timer = megahertz is not null && double.TryParse(megahertz, NumberStyles.Float, CultureInfo.InvariantCulture, out var mhz) && mhz > 0
            ? $"tsc_early_khz={(long)(mhz * 1000)} tsc=reliable "
            : string.Empty;
        return timer + "mitigations=off";
    }

    private async Task CreateDiskAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        if (sandbox.Layers is not { Count: > 0 } layers)
        {
            throw new InvalidOperationException("the qemu runtime needs the image's layers");
        }

        var disk = Path.Combine(sandbox.Directory, DiskFileName);
        if (sandbox.MemoryTemplate is { } template)
        {
            // The template's disk (itself a qcow2 over the image) is the read-only base of this one, of its size.
            // Written here, not by qemu-img: that program's start alone was 40–400 ms of a create under load.
            CreateTemplateDisk(disk, template);
            return;
        }

        if (layers.Count > 1)
        {
            throw new NotSupportedException("the qemu runtime starts from a base image or a VM template, not from a container's file template");
        }

        // The sandbox's disk size (WRENN_SANDBOX_DISK_MB) when it is larger than the image's file; the
        // guest's initramfs grows the filesystem to fill it. A restored VM keeps its template's size.
        var baseDisk = await rootfsImages.EnsureAsync(layers[^1], cancellationToken).ConfigureAwait(false);
        var size = diskOptions.Value.SizeMb * 1024 * 1024;
        string[] arguments = size > new FileInfo(baseDisk).Length
            ? ["create", "-q", "-f", "qcow2", "-b", baseDisk, "-F", "raw", disk, size.ToString(CultureInfo.InvariantCulture)]
            : ["create", "-q", "-f", "qcow2", "-b", baseDisk, "-F", "raw", disk];
        await commands.RunCheckedAsync("qemu-img", arguments, cancellationToken).ConfigureAwait(false);

        // Root's alone: QEMU gets it as an open descriptor, never by its path.
        File.SetUnixFileMode(disk, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>A disk whose read-only base is <paramref name="template"/>'s, of its size.</summary>
    private static void CreateTemplateDisk(string disk, string template)
    {
        var backing = Path.Combine(template, DiskFileName);
        Qcow2Overlay.Create(disk, backing, "qcow2", Qcow2Overlay.VirtualSize(backing));
    }

    private List<string> Arguments(RuntimeSandbox sandbox, VmBoot boot, GuestRam ram)
    {
        List<string> arguments =
        [
            "-name", MarkerOf(sandbox.SandboxId),
            "-M", ram == GuestRam.Anonymous ? options.Value.Machine : options.Value.Machine + ",memory-backend=" + MemoryBackendId,
            "-accel", Accelerator == "kvm" ? "kvm" : $"tcg,tb-size={options.Value.TcgTranslationCacheMb.ToString(CultureInfo.InvariantCulture)}",
            "-cpu", Accelerator == "kvm" ? "host" : "max",
            "-smp", sandbox.Vcpus.ToString(CultureInfo.InvariantCulture),
            "-m", sandbox.MemoryMb.ToString(CultureInfo.InvariantCulture),
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            // No new programs, no set*id, no obsolete calls, no scheduler or affinity changes: QEMU's own seccomp filter.
            "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
            // Every file below is a descriptor the root launcher opened (QemuLaunch): QEMU opens no host path.
            .. QemuLaunch.FdSet(QemuLaunch.ConsoleFd),
            "-chardev", $"file,id=console,path={QemuLaunch.FdSetPath(QemuLaunch.ConsoleFd)},append=on",
            "-serial", "chardev:console",
            "-kernel", $"/proc/self/fd/{QemuLaunch.KernelFd}",
            "-append", boot.CommandLine,
            "-device", $"virtio-blk-device,drive={QemuDiskChain.NodeName}",
            "-netdev", $"tap,id=net0,ifname={GuestNetwork.TapName},script=no,downscript=no",
            "-device", $"virtio-net-device,netdev=net0,mac={GuestNetwork.MacAddress}",
            "-qmp", $"unix:{QmpSocketName},server=on,wait=off",
        ];
        if (boot.InitrdPath is not null)
        {
            arguments.AddRange(["-initrd", $"/proc/self/fd/{QemuLaunch.InitrdFd}"]);
        }

        if (ram != GuestRam.Anonymous)
        {
            // Guest RAM in a file: shared, its pages are the file's, so a pause (x-ignore-shared: shared
            // RAM is not in the stream) writes device state only and a resume maps the same file again.
            // Private, it is a copy-on-write view of a template's RAM that clones of it share.
            // x-ignore-shared is set over QMP on every such VM, both ways: a stream is read as it was written.
            arguments.AddRange(
            [
                "-object", $"memory-backend-file,id={MemoryBackendId},size={sandbox.MemoryMb.ToString(CultureInfo.InvariantCulture)}M,mem-path=/proc/self/fd/{QemuLaunch.RamFd.ToString(CultureInfo.InvariantCulture)},share={(ram == GuestRam.Shared ? "on" : "off")}",
            ]);
        }

        if (boot.EntropyDevice)
        {
            // virtio-rng fed by QEMU's own getrandom() (rng-builtin opens no host file): a guest restored
            // from a shared snapshot draws fresh host entropy. Restore and save must list the same
            // devices, so a template booted without it (older vm.json) is restored without it.
            arguments.AddRange(["-object", "rng-builtin,id=rng0", "-device", "virtio-rng-device,rng=rng0"]);
        }

        return arguments;
    }

    /// <summary>
    /// Starts QEMU in the sandbox's namespace and cgroup, detached (its own session, output to
    /// qemu.log), so it outlives an agent restart, as the VM user with every file handed over open
    /// (<see cref="QemuLaunch"/>); <paramref name="incomingMemory"/> is the memory file a restore reads,
    /// <paramref name="templateRam"/> the path of a template's RAM copy a clone maps (<see cref="TemplateRamLease"/>).
    /// Then waits for its pid file and socket (written once the launcher has opened every file). QEMU's -daemonize is not used: its migrations fail
    /// without stdio. Nothing talks QMP to a booting guest: under software emulation a QMP call during
    /// the kernel's early clock calibration was seen to hang the boot for good.
    /// </summary>
    private async Task LaunchAsync(RuntimeSandbox sandbox, IReadOnlyList<string> arguments, List<QemuLaunch.OpenFile> files, string? incomingMemory, string? templateRam, CancellationToken cancellationToken)
    {
        var workDirectory = WorkDirectory(sandbox);
        var user = await _users.AcquireAsync(workDirectory, cancellationToken).ConfigureAwait(false);
        File.Delete(QmpSocket(sandbox));
        File.Delete(Path.Combine(sandbox.Directory, PidFileName));

        // This QEMU is started under the sandbox's own name (a prepared VMM's is written once it is started).
        File.Delete(Path.Combine(sandbox.Directory, VmmNameFileName));

        var disk = QemuDiskChain.Read(Path.Combine(sandbox.Directory, DiskFileName), DiskRoots);
        if (incomingMemory is not null)
        {
            files.Add(new(QemuLaunch.IncomingFd, "<", incomingMemory));
        }

        switch (RamOf(arguments))
        {
            case GuestRam.Shared:
                files.Add(new(QemuLaunch.RamFd, "<>", PrepareRamFile(sandbox, user)));
                break;
            case GuestRam.Private:
                files.Add(new(QemuLaunch.RamFd, "<", templateRam ?? throw new InvalidOperationException($"sandbox {sandbox.SandboxId} maps a template's memory but was given none")));
                break;
        }

        files.AddRange(disk.Files());
        var memoryLimit = ((long)sandbox.MemoryMb + options.Value.MemoryOverheadMb) * 1024 * 1024;
        var cgroup = await VmCgroup.CreateAsync(options.Value.CgroupParent, sandbox.SandboxId, memoryLimit, sandbox.Vcpus, cancellationToken).ConfigureAwait(false);
        var launcher = Path.Combine(AppContext.BaseDirectory, QemuLaunch.LauncherFileName);
        if (!File.Exists(launcher))
        {
            throw new InvalidOperationException($"QEMU's launcher {launcher} is missing: it is built with the agent (make build) and must lie beside the agent's binary");
        }

        var (program, launch) = QemuLaunch.Command(
            launcher,
            Path.Combine(sandbox.Directory, LogFileName),
            ConsoleLog.PathIn(sandbox.Directory),
            options.Value.ConsoleLogBytes,
            Path.Combine(sandbox.Directory, PidFileName),
            workDirectory,
            sandbox.Network.NamespacePath,
            user,
            Accelerator,
            cgroup,
            files,
            options.Value.Binary,
            [.. arguments, .. disk.Arguments()]);
        await commands.RunCheckedAsync(program, launch, cancellationToken).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + options.Value.ProcessStartTimeout;
        while (!(Pid(sandbox) is { } pid && IsOurQemu(pid, sandbox) && File.Exists(QmpSocket(sandbox))))
        {
            if (DateTime.UtcNow > deadline)
            {
                var log = File.Exists(Path.Combine(sandbox.Directory, LogFileName)) ? File.ReadAllText(Path.Combine(sandbox.Directory, LogFileName)).Trim() : string.Empty;
                throw new InvalidOperationException($"QEMU for {sandbox.SandboxId} did not start within {options.Value.ProcessStartTimeout}: {log}");
            }

            // Looked at often: each look is three small reads, and every millisecond here is one of a create's.
            await Task.Delay(3, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the sandbox's QEMU and what it held (<see cref="StopAsync"/>), throwing what went wrong: a rollback's undo.</summary>
    private async Task StopOrThrowAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        var errors = await StopAsync(sandbox, cancellationToken).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            throw new AggregateException(errors);
        }
    }

    /// <summary>
    /// Starts a clone's QEMU waiting for <paramref name="template"/>'s state (-incoming defer: the guest does not run
    /// until the restore), its RAM the template's copy mapped privately; returns when that copy is filled. The
    /// lease's descriptor is needed only until the launcher has opened it (QEMU runs).
    /// </summary>
    private async Task<Task> LaunchCloneAsync(RuntimeSandbox sandbox, string template, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        using var lease = templateMemory.Open(Path.Combine(template, TemplateRamFileName));
        var sealedRam = await lease.SealedPathAsync(cancellationToken).ConfigureAwait(false);
        await LaunchIncomingAsync(sandbox, arguments, Path.Combine(template, MemoryFileName), sealedRam, cancellationToken).ConfigureAwait(false);
        return lease.Filled;
    }

    /// <summary>What a launch is made of, beside the sandbox: how the guest was booted and QEMU's arguments (a resume reads both).</summary>
    private static async Task WriteLaunchFilesAsync(RuntimeSandbox sandbox, VmBoot boot, List<string> arguments, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(Path.Combine(sandbox.Directory, VmBoot.FileName), JsonSerializer.Serialize(boot, AgentJsonContext.Default.VmBoot), cancellationToken).ConfigureAwait(false);
        await SaveArgumentsAsync(sandbox, arguments, cancellationToken).ConfigureAwait(false);
    }

    private static Task SaveArgumentsAsync(RuntimeSandbox sandbox, List<string> arguments, CancellationToken cancellationToken) =>
        File.WriteAllTextAsync(Path.Combine(sandbox.Directory, ArgumentsFileName), JsonSerializer.Serialize(arguments, AgentJsonContext.Default.ListString), cancellationToken);

    private static async Task<List<string>> SavedArgumentsAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) =>
        JsonSerializer.Deserialize(await File.ReadAllTextAsync(Path.Combine(sandbox.Directory, ArgumentsFileName), cancellationToken).ConfigureAwait(false), AgentJsonContext.Default.ListString)
            ?? throw new InvalidOperationException($"sandbox {sandbox.SandboxId} has no QEMU arguments");

    /// <summary>
    /// x-ignore-shared: migration leaves RAM that is a shared file out of the stream (the file holds it), and
    /// the stream's layout says so, so both ends must agree. Set explicitly on every save: a clone's QEMU had it
    /// set for its create's restore.
    /// </summary>
    private static Task SetIgnoreSharedAsync(QmpClient qmp, bool on, CancellationToken cancellationToken) =>
        qmp.ExecuteAsync(
            "migrate-set-capabilities",
            new JsonObject { ["capabilities"] = new JsonArray(new JsonObject { ["capability"] = "x-ignore-shared", ["state"] = on }) },
            cancellationToken);

    /// <summary>How guest RAM is held by the QEMU these arguments start (saved arguments say it for a resume).</summary>
    private static GuestRam RamOf(IReadOnlyList<string> arguments) =>
        arguments.FirstOrDefault(a => a.StartsWith("memory-backend-file,id=" + MemoryBackendId + ",", StringComparison.Ordinal)) switch
        {
            null => GuestRam.Anonymous,
            var backend when backend.EndsWith(",share=on", StringComparison.Ordinal) => GuestRam.Shared,
            _ => GuestRam.Private,
        };

    /// <summary>
    /// The VM's RAM file, made empty (QEMU sizes it; untouched pages stay holes) on first launch and kept
    /// across pauses. QEMU reopens it through /proc/self/fd, with its own rights on the file: it is the VM user's.
    /// </summary>
    private static string PrepareRamFile(RuntimeSandbox sandbox, VmUser user)
    {
        var ram = RamFile(sandbox);
        if (!File.Exists(ram))
        {
            using (File.Create(ram))
            {
            }
        }

        FileOwnership.SetOwner(ram, user.Uid, user.Gid);
        File.SetUnixFileMode(ram, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return ram;
    }

    /// <summary>The files a boot reads: the kernel and, when it has one, the initrd.</summary>
    private static List<QemuLaunch.OpenFile> BootFiles(VmBoot boot)
    {
        List<QemuLaunch.OpenFile> files = [new(QemuLaunch.KernelFd, "<", ReadableByVmUser(boot.KernelPath))];
        if (boot.InitrdPath is { } initrd)
        {
            files.Add(new(QemuLaunch.InitrdFd, "<", ReadableByVmUser(initrd)));
        }

        return files;
    }

    /// <summary>
    /// The kernel and initrd reach QEMU as /proc/self/fd/N, which the kernel opens anew with the VM
    /// user's rights on the file itself (not on the directories above it): the file must be readable by others.
    /// </summary>
    private static string ReadableByVmUser(string path) =>
        File.GetUnixFileMode(path).HasFlag(UnixFileMode.OtherRead)
            ? path
            : throw new InvalidOperationException($"{path} is not readable by other users; QEMU runs unprivileged and reads it through its descriptor (chmod o+r {path})");

    /// <summary>The VM users (one fixed, or one each from a range), refused when root or among the ids container sandboxes map to.</summary>
    private static VmUserPool ValidatedUsers(QemuRuntimeOptions options, Container.ContainerRuntimeOptions container)
    {
        var first = container.UserNamespaceHostId;
        var end = first + container.UserNamespaceSize;
        bool Overlaps(long from, long to) => from < end && to > first;
        if (options.User is { } value)
        {
            var user = VmUser.Parse(value);
            return Overlaps(user.Uid, user.Uid + 1L) || Overlaps(user.Gid, user.Gid + 1L)
                ? throw new InvalidOperationException($"the QEMU user {user} lies in the ids container sandboxes map to ({first}–{end - 1}); choose another")
                : new VmUserPool(user, user.Uid, 1);
        }

        return options.FirstVmId == 0 || options.VmIdCount == 0 || (long)options.FirstVmId + options.VmIdCount > uint.MaxValue || Overlaps(options.FirstVmId, (long)options.FirstVmId + options.VmIdCount)
            ? throw new InvalidOperationException($"the VM ids {options.FirstVmId}+{options.VmIdCount} must be above 0, below 2^32 and apart from the container sandboxes' ({first}–{end - 1})")
            : new VmUserPool(null, options.FirstVmId, options.VmIdCount);
    }

    /// <summary>Waits until QEMU has written the whole memory file.</summary>
    private Task WaitForMigrationAsync(QmpClient qmp, CancellationToken cancellationToken) =>
        PollAsync(qmp, "query-migrate", "saving memory", state => state?["status"]?.GetValue<string>() switch
        {
            "completed" => true,
            "failed" or "cancelled" => throw new QmpException("migrate", $"saving memory {state!["status"]}: {state["error-desc"]?.GetValue<string>() ?? "no reason given"}"),
            _ => false,
        }, cancellationToken);

    /// <summary>Waits until QEMU has read the whole memory file: it then stands paused, as the guest was when saved.</summary>
    /// <remarks>Asked every 2 ms: the state read is device state only (tens of KB), done in a few ms, and waited for by a create.</remarks>
    private Task WaitForIncomingAsync(QmpClient qmp, CancellationToken cancellationToken) =>
        PollAsync(qmp, "query-status", "restoring memory", status => status?["status"]?.GetValue<string>() switch
        {
            "paused" or "running" or "postmigrate" => true,
            "inmigrate" or "prelaunch" => false,
            var other => throw new QmpException("query-status", $"restoring memory ended in state '{other}'"),
        }, cancellationToken, intervalMs: 2);

    /// <summary>Asks <paramref name="query"/> every <paramref name="intervalMs"/> until <paramref name="done"/> says so, or the snapshot timeout passes.</summary>
    private async Task PollAsync(QmpClient qmp, string query, string what, Func<JsonNode?, bool> done, CancellationToken cancellationToken, int intervalMs = 10)
    {
        var deadline = DateTime.UtcNow + options.Value.SnapshotTimeout;
        while (!done(await qmp.ExecuteAsync(query, null, cancellationToken).ConfigureAwait(false)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} took longer than {options.Value.SnapshotTimeout}");
            }

            await Task.Delay(intervalMs, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task QuitAsync(QmpClient qmp)
    {
        try
        {
            await qmp.ExecuteAsync("quit", null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (QmpException)
        {
            // QEMU may close the socket before it answers "quit".
        }
    }

    /// <summary>Kills the sandbox's QEMU if it runs and removes its cgroup.</summary>
    private async Task KillAsync(RuntimeSandbox sandbox)
    {
        if (Pid(sandbox) is { } pid && !await VmProcess.KillAsync(pid, Marker(sandbox), KillTimeout).ConfigureAwait(false))
        {
            throw new TimeoutException($"QEMU (pid {pid}) for {sandbox.SandboxId} did not exit within {KillTimeout}");
        }

        await ReleaseCgroupAsync(sandbox).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes the VM's cgroup once its QEMU is gone. A failure here must not fail the pause or the
    /// rollback that called it: destroy removes it again (and reports), and a new launch replaces it.
    /// </summary>
    private async Task ReleaseCgroupAsync(RuntimeSandbox sandbox)
    {
        try
        {
            await VmCgroup.RemoveAsync(options.Value.CgroupParent, VmmName(sandbox), CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            logger.CgroupRemoveDeferred(ex, sandbox.SandboxId);
        }
    }

    private static async Task WaitForExitAsync(RuntimeSandbox sandbox, TimeSpan timeout)
    {
        if (Pid(sandbox) is { } pid && !await VmProcess.WaitForExitAsync(pid, Marker(sandbox), timeout).ConfigureAwait(false))
        {
            throw new TimeoutException($"QEMU (pid {pid}) for {sandbox.SandboxId} did not exit within {timeout}");
        }
    }

    private static int? Pid(RuntimeSandbox sandbox) => VmProcess.ReadPid(Path.Combine(sandbox.Directory, PidFileName));

    /// <summary>The pid is this sandbox's QEMU (not a recycled pid): its command line names the sandbox.</summary>
    private static bool IsOurQemu(int pid, RuntimeSandbox sandbox) => VmProcess.IsRunning(pid, Marker(sandbox));

    /// <summary>What the sandbox's QEMU has on its command line (its <c>-name</c>).</summary>
    private static string Marker(RuntimeSandbox sandbox) => MarkerOf(VmmName(sandbox));

    private static string MarkerOf(string vmmName) => "wrenn-" + vmmName;

    /// <summary>The name the sandbox's QEMU was started under: the sandbox's id, or a prepared VMM's it took (<see cref="VmmNameFileName"/>).</summary>
    private static string VmmName(RuntimeSandbox sandbox)
    {
        var file = Path.Combine(sandbox.Directory, VmmNameFileName);
        return File.Exists(file) ? File.ReadAllText(file).Trim() : sandbox.SandboxId;
    }

    private static string WorkDirectory(RuntimeSandbox sandbox) => Path.Combine(sandbox.Directory, WorkDirectoryName);

    private static string RamFile(RuntimeSandbox sandbox) => Path.Combine(sandbox.Directory, RamFileName);

    private static string QmpSocket(RuntimeSandbox sandbox) => Path.Combine(WorkDirectory(sandbox), QmpSocketName);

    private string MemoryFile(RuntimeSandbox sandbox) => Path.Combine(agentOptions.Value.Layout.Snapshot(sandbox.SandboxId), MemoryFileName);
}
