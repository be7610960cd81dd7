using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Runtimes.Firecracker;
using Wrenn.Agent.Runtimes.Firecracker.Api;
using Wrenn.Agent.Runtimes.Vm;
using Wrenn.Agent.Storage;
using Wrenn.Agent.Storage.Cow;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// What a Firecracker runtime test stands on: a temp $WRENN_DIR with a tiny image (a real ext4 is made
/// of it), a kernel and initrd the fakes only check exist, the placeholder file every VM's drive is
/// bound over, and a real network namespace (deleted again on dispose) for the runtime's TAP and NAT.
/// </summary>
public sealed class RuntimeTestBed : IAsyncDisposable
{
    private readonly List<(FirecrackerRuntime Runtime, RuntimeSandbox Sandbox)> _started = [];

    public RuntimeTestBed()
    {
        WrennDir = Directory.CreateTempSubdirectory("wrenn-fc-runtime-test-").FullName;
        Namespace = "wrenn-fctest-" + Guid.NewGuid().ToString("N")[..6];
        ImageRoot = Directory.CreateDirectory(Path.Combine(WrennDir, "images", "tiny", "rootfs")).FullName;
        File.WriteAllText(Path.Combine(ImageRoot, "hello"), "hello");
        File.WriteAllText(Path.Combine(WrennDir, "images", "tiny", "manifest.json"), "{}");
        Directory.CreateDirectory(Path.Combine(WrennDir, "kernels"));
        File.WriteAllText(Path.Combine(WrennDir, "kernels", "vmlinux-6.1.0-test"), "elf");
        File.WriteAllText(Path.Combine(WrennDir, "kernels", "initrd-6.1.0-test.img"), "cpio");
        GuestDrivePath = Path.Combine(WrennDir, "guest-drive");
        File.WriteAllText(GuestDrivePath, string.Empty);
    }

    public string WrennDir { get; }

    public string Namespace { get; }

    public string ImageRoot { get; }

    /// <summary>Where every VM sees its root disk; on the host an empty file.</summary>
    public string GuestDrivePath { get; }

    public ICommandRunner Commands { get; } = new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance);

    public string SnapshotDirectory(RuntimeSandbox sandbox) => Path.Combine(WrennDir, "snapshots", sandbox.SandboxId);

    public async Task CreateNamespaceAsync(CancellationToken cancellationToken) =>
        await Commands.RunCheckedAsync("ip", ["netns", "add", Namespace], cancellationToken);

    /// <summary>A sandbox of the tiny image in the bed's namespace, with its own directory.</summary>
    public RuntimeSandbox NewSandbox(string? memoryTemplate = null)
    {
        var id = WrennIds.NewSandboxId();
        return new RuntimeSandbox(
            id,
            Directory.CreateDirectory(Path.Combine(WrennDir, "sandboxes", id)).FullName,
            Path.Combine(WrennDir, "sandboxes", id, "rootfs"),
            new RuntimeNetwork("/var/run/netns/" + Namespace, IPAddress.Parse("10.251.0.7"), IPAddress.Parse("10.251.0.6"), 31, []),
            Vcpus: 2,
            MemoryMb: 512,
            new Dictionary<string, string>(),
            [ImageRoot],
            memoryTemplate);
    }

    public FirecrackerRuntime Runtime(
        IRootfsCowProvider rootDisks,
        IFirecrackerLauncher launcher,
        IPageServerLauncher pageServers,
        ICommandRunner? commands = null,
        FirecrackerRuntimeOptions? options = null,
        FirecrackerApiOptions? apiOptions = null)
    {
        options ??= new FirecrackerRuntimeOptions();
        options.GuestDrivePath = GuestDrivePath;
        commands ??= Commands;
        return new FirecrackerRuntime(
            commands,
            launcher,
            pageServers,
            rootDisks,
            new RootfsDiskImage(commands, NullLogger<RootfsDiskImage>.Instance),
            new GuestTap(commands),
            Options.Create(options),
            Options.Create(apiOptions ?? new FirecrackerApiOptions()),
            Options.Create(new SandboxDiskOptions()),
            Options.Create(new AgentOptions { WrennDir = WrennDir }),
            NullLoggerFactory.Instance);
    }

    /// <summary>Starts <paramref name="sandbox"/> and remembers it, so dispose stops it whatever the test did.</summary>
    public async Task StartAsync(FirecrackerRuntime runtime, RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        _started.Add((runtime, sandbox));
        await using var rollback = new RollbackList("create", NullLogger.Instance, new NoStepFaults());
        await runtime.StartAsync(sandbox, rollback, cancellationToken);
        rollback.Commit();
    }

    /// <summary>A VM paused to disk gives its slot back: the next one is a new namespace without the TAP.</summary>
    public Task RemoveTapAsync(CancellationToken cancellationToken) =>
        Commands.RunAsync("ip", ["-n", Namespace, "link", "delete", GuestNetwork.TapName], cancellationToken);

    /// <summary>Processes started for this bed that a failed test left running: their command lines name a path in its directory.</summary>
    private void KillLeftovers()
    {
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(entry, "cmdline")).Contains(WrennDir, StringComparison.Ordinal))
                {
                    using var process = System.Diagnostics.Process.GetProcessById(pid);
                    process.Kill();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                // Gone meanwhile.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (runtime, sandbox) in _started)
        {
            await runtime.StopAsync(sandbox, CancellationToken.None);
        }

        KillLeftovers();
        await Commands.RunAsync("ip", ["netns", "delete", Namespace], CancellationToken.None);
        Directory.Delete(WrennDir, recursive: true);
    }
}
