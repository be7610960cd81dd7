using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Runtimes.Firecracker;
using Wrenn.Agent.Runtimes.Firecracker.Api;
using Wrenn.Agent.Runtimes.Vm;
using Wrenn.Agent.Snapshots;
using Wrenn.Agent.Storage;
using Wrenn.Agent.Storage.Cow;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Runtimes.Firecracker;

/// <summary>
/// The Firecracker runtime against a fake Firecracker that checks every request against the documented
/// API (no KVM here), with the real pieces around it: a real network namespace (TAP and address
/// translation made by the runtime), a real copy-on-write root disk (file copy: no device-mapper
/// here) of a real ext4 image, real snapshot files.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class FirecrackerRuntimeTests : IAsyncLifetime
{
    private readonly string _wrennDir = Directory.CreateTempSubdirectory("wrenn-fc-runtime-test-").FullName;
    private readonly string _namespace = "wrenn-fctest-" + Guid.NewGuid().ToString("N")[..6];
    private readonly FakeFirecrackerLauncher _launcher = new();
    private readonly FakePageServerLauncher _pageServers = new();
    private readonly ICommandRunner _commands = new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance);
    private readonly FirecrackerRuntime _runtime;
    private readonly RuntimeSandbox _sandbox;

    public FirecrackerRuntimeTests()
    {
        // A tiny image, a kernel and initrd (the fake only checks that they exist), the shared drive path.
        var rootfs = Directory.CreateDirectory(Path.Combine(_wrennDir, "images", "tiny", "rootfs")).FullName;
        File.WriteAllText(Path.Combine(rootfs, "hello"), "hello");
        File.WriteAllText(Path.Combine(_wrennDir, "images", "tiny", "manifest.json"), "{}");
        Directory.CreateDirectory(Path.Combine(_wrennDir, "kernels"));
        File.WriteAllText(Path.Combine(_wrennDir, "kernels", "vmlinux-6.1.0-test"), "elf");
        File.WriteAllText(Path.Combine(_wrennDir, "kernels", "initrd-6.1.0-test.img"), "cpio");
        var guestDrive = Path.Combine(_wrennDir, "guest-drive");
        File.WriteAllText(guestDrive, string.Empty);

        var id = WrennIds.NewSandboxId();
        _sandbox = new RuntimeSandbox(
            id,
            Directory.CreateDirectory(Path.Combine(_wrennDir, "sandboxes", id)).FullName,
            Path.Combine(_wrennDir, "sandboxes", id, "rootfs"),
            new RuntimeNetwork("/var/run/netns/" + _namespace, IPAddress.Parse("10.251.0.7"), IPAddress.Parse("10.251.0.6"), 31, []),
            Vcpus: 2,
            MemoryMb: 512,
            new Dictionary<string, string>(),
            [rootfs]);

        var cowOptions = Options.Create(new RootfsCowOptions { UseDeviceMapper = false });
        _runtime = new FirecrackerRuntime(
            _commands,
            _launcher,
            _pageServers,
            new FileCopyRootfsCowProvider(_commands, cowOptions, new NoStepFaults(), NullLogger<FileCopyRootfsCowProvider>.Instance),
            new RootfsDiskImage(_commands, NullLogger<RootfsDiskImage>.Instance),
            new GuestTap(_commands),
            Options.Create(new FirecrackerRuntimeOptions { GuestDrivePath = guestDrive }),
            Options.Create(new FirecrackerApiOptions()),
            Options.Create(new SandboxDiskOptions()),
            Options.Create(new AgentOptions { WrennDir = _wrennDir }),
            NullLoggerFactory.Instance);
    }

    public async ValueTask InitializeAsync() =>
        await _commands.RunCheckedAsync("ip", ["netns", "add", _namespace], TestContext.Current.CancellationToken);

    [Fact]
    public async Task Boots_through_the_documented_api_with_the_shared_guest_network_drive_path_and_an_entropy_device()
    {
        var ct = TestContext.Current.CancellationToken;
        await StartAsync(ct);

        var vmm = Assert.Single(_launcher.Vmms);
        // PUT /entropy before InstanceStart: a virtio-rng device, so a guest restored from a shared snapshot reads host entropy.
        Assert.Equal(["PUT /machine-config", "PUT /boot-source", "PUT /drives/rootfs", "PUT /network-interfaces/eth0", "PUT /entropy", "PUT /actions"], vmm.Accepted.Select(r => r.ToString()));
        Assert.Empty(vmm.Rejected);
        Assert.True(Body(vmm, "/machine-config").GetProperty("track_dirty_pages").GetBoolean(), "diff snapshots need dirty-page tracking from boot");
        Assert.Equal(Path.Combine(_wrennDir, "guest-drive"), Body(vmm, "/drives/rootfs").GetProperty("path_on_host").GetString());
        Assert.Equal(GuestNetwork.MacAddress, Body(vmm, "/network-interfaces/eth0").GetProperty("guest_mac").GetString());
        Assert.Contains("wrenn.ip=169.254.0.21/30", Body(vmm, "/boot-source").GetProperty("boot_args").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("vmlinux-6.1.0-test", Body(vmm, "/boot-source").GetProperty("kernel_image_path").GetString(), StringComparison.Ordinal);

        // The launch binds the sandbox's own copy of the image at the shared path.
        var launch = Assert.Single(_launcher.Launches);
        Assert.Equal(Path.Combine(_sandbox.Directory, FileCopyRootfsCowProvider.FileName), launch.RootDisk);
        Assert.Equal(4096L * 1024 * 1024, new FileInfo(launch.RootDisk).Length);
        Assert.True((await _commands.RunAsync("ip", ["-n", _namespace, "link", "show", GuestNetwork.TapName], ct)).Succeeded, "the TAP is in the sandbox's namespace");
        Assert.Contains("--to-destination 169.254.0.21", (await _commands.RunCheckedAsync("ip", ["netns", "exec", _namespace, "iptables-save", "-t", "nat"], ct)).StandardOutput, StringComparison.Ordinal);
        Assert.True(await _runtime.IsRunningAsync(_sandbox, ct));

        Assert.Empty(await _runtime.StopAsync(_sandbox, ct));
        Assert.False(await _runtime.ExistsAsync(_sandbox, ct));
        Assert.False(File.Exists(launch.RootDisk), "stop removes the root disk");
    }

    [Fact]
    public async Task Pauses_write_a_full_snapshot_then_diffs_as_a_chain_of_at_most_ten_generations_that_resumes_serve_lazily()
    {
        var ct = TestContext.Current.CancellationToken;
        await StartAsync(ct);
        var snapshots = Path.Combine(_wrennDir, "snapshots", _sandbox.SandboxId);
        var types = new List<string>();
        for (var pause = 0; pause < 12; pause++)
        {
            await _runtime.PauseAsync(_sandbox, ct);
            var vmm = _launcher.Vmms[^1];
            types.Add(Body(vmm, "/snapshot/create").GetProperty("snapshot_type").GetString()!);
            Assert.Equal(["PATCH /vm", "PUT /snapshot/create"], vmm.Accepted.Select(r => r.ToString()).TakeLast(2));
            Assert.False(await _runtime.IsRunningAsync(_sandbox, ct), "a paused VM holds no process");
            Assert.True(await _runtime.ExistsAsync(_sandbox, ct));
            Assert.True(File.Exists(Path.Combine(snapshots, "vmstate")) && File.Exists(SnapshotDirectory.HeaderPath(snapshots)));
            Assert.False(File.Exists(Path.Combine(snapshots, "memfile.raw")), "Firecracker's file becomes a generation and goes");
            AssertChainHolds(snapshots, pause);

            await _runtime.ResumeAsync(_sandbox, ct);
            var resumed = _launcher.Vmms[^1];
            Assert.Equal(["PUT /snapshot/load"], resumed.Accepted.Select(r => r.ToString()));
            var load = Body(resumed, "/snapshot/load");
            Assert.Equal("Uffd", load.GetProperty("mem_backend").GetProperty("backend_type").GetString());
            Assert.Equal(_pageServers.Launches[^1].Socket, load.GetProperty("mem_backend").GetProperty("backend_path").GetString());
            Assert.Equal(snapshots, _pageServers.Launches[^1].Snapshot);
            Assert.True(load.GetProperty("resume_vm").GetBoolean());
            Assert.True(load.GetProperty("track_dirty_pages").GetBoolean(), "a restored VM keeps tracking dirty pages for the next diff");
        }

        Assert.Equal(["Full", .. Enumerable.Repeat("Diff", 9), "Full", "Diff"], types);
        Assert.Empty(await _runtime.StopAsync(_sandbox, ct));
        Assert.False(Directory.Exists(snapshots));
    }

    [Fact]
    public async Task A_pause_failing_at_the_snapshot_resumes_the_vcpus_and_a_failed_resume_stays_paused_and_retryable()
    {
        var ct = TestContext.Current.CancellationToken;
        await StartAsync(ct);
        var vmm = _launcher.Vmms[^1];
        vmm.FailNext = "PUT /snapshot/create";
        await Assert.ThrowsAsync<FirecrackerApiException>(() => _runtime.PauseAsync(_sandbox, ct));
        Assert.Equal(FakeVmState.Running, vmm.State);
        Assert.True(await _runtime.IsRunningAsync(_sandbox, ct), "the VM runs on after the failed pause");

        await _runtime.PauseAsync(_sandbox, ct);
        _launcher.OnLaunch = fake => fake.FailNext = "PUT /snapshot/load";
        await Assert.ThrowsAsync<FirecrackerApiException>(() => _runtime.ResumeAsync(_sandbox, ct));
        Assert.False(await _runtime.IsRunningAsync(_sandbox, ct), "a failed resume leaves no process");
        Assert.True(await _runtime.ExistsAsync(_sandbox, ct), "the snapshot stays for a retry");

        _launcher.OnLaunch = null;
        await _runtime.ResumeAsync(_sandbox, ct);
        Assert.Equal(FakeVmState.Running, _launcher.Vmms[^1].State);
        Assert.Empty(await _runtime.StopAsync(_sandbox, ct));
    }

    [Fact]
    public async Task A_start_failing_at_any_step_leaves_no_process_and_no_disk()
    {
        var ct = TestContext.Current.CancellationToken;
        foreach (var failing in new[] { "PUT /machine-config", "PUT /boot-source", "PUT /drives/rootfs", "PUT /network-interfaces/eth0", "PUT /entropy", "PUT /actions" })
        {
            _launcher.OnLaunch = fake => fake.FailNext = failing;
            await using (var rollback = new RollbackList("create", NullLogger.Instance, new NoStepFaults()))
            {
                await Assert.ThrowsAsync<FirecrackerApiException>(() => _runtime.StartAsync(_sandbox, rollback, ct));
            }

            Assert.False(await _runtime.IsRunningAsync(_sandbox, ct), $"a start failing at {failing} left the process");
            Assert.False(File.Exists(Path.Combine(_sandbox.Directory, FileCopyRootfsCowProvider.FileName)), $"a start failing at {failing} left the disk");
            await _commands.RunAsync("ip", ["-n", _namespace, "link", "delete", GuestNetwork.TapName], ct);
        }
    }

    [Fact]
    public async Task A_template_of_a_running_vm_is_a_full_snapshot_and_a_disk_and_new_sandboxes_load_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await StartAsync(ct);
        var template = Directory.CreateDirectory(Path.Combine(_wrennDir, "templates", "t")).FullName;
        await _runtime.WriteTemplateAsync(_sandbox, template, ct);

        var source = _launcher.Vmms[^1];
        Assert.Equal(["PATCH /vm", "PUT /snapshot/create", "PATCH /vm"], source.Accepted.Select(r => r.ToString()).TakeLast(3));
        Assert.Equal("Full", Body(source, "/snapshot/create").GetProperty("snapshot_type").GetString());
        Assert.Equal(FakeVmState.Running, source.State);
        foreach (var file in new[] { "vmstate", "memfile.header", "rootfs.ext4", "vm.json" })
        {
            Assert.True(File.Exists(Path.Combine(template, file)), $"the template has no {file}");
        }

        Assert.Equal(1, SnapshotHeader.ReadFile(SnapshotDirectory.HeaderPath(template)).Generation);
        AssertChainHolds(template, 0);

        var childId = WrennIds.NewSandboxId();
        var child = _sandbox with
        {
            SandboxId = childId,
            Directory = Directory.CreateDirectory(Path.Combine(_wrennDir, "sandboxes", childId)).FullName,
            MemoryTemplate = template,
        };
        await _commands.RunAsync("ip", ["-n", _namespace, "link", "delete", GuestNetwork.TapName], ct);
        await using (var rollback = new RollbackList("create", NullLogger.Instance, new NoStepFaults()))
        {
            await _runtime.StartAsync(child, rollback, ct);
            rollback.Commit();
        }

        var restored = _launcher.Vmms[^1];
        Assert.Equal(["PUT /snapshot/load"], restored.Accepted.Select(r => r.ToString()));
        Assert.Equal("Uffd", Body(restored, "/snapshot/load").GetProperty("mem_backend").GetProperty("backend_type").GetString());
        Assert.Equal(template, _pageServers.Launches[^1].Snapshot);
        Assert.Equal(Path.Combine(template, "rootfs.ext4"), _launcher.Launches[^1].RootDisk.Replace(child.Directory, template, StringComparison.Ordinal));
        Assert.Empty(await _runtime.StopAsync(child, ct));
        Assert.Empty(await _runtime.StopAsync(_sandbox, ct));
    }

    /// <summary>Every page the guest wrote reads back from the chain with its last content; the chain is never longer than ten.</summary>
    private void AssertChainHolds(string directory, int pause)
    {
        using var chain = MemfileSet.Open(directory);
        Assert.InRange(chain.Header.Generation, 1, DiffChain.MaxGenerations);
        Assert.Equal(pause % DiffChain.MaxGenerations + 1, chain.Header.Generation);
        var page = new byte[4096];
        foreach (var (index, fill) in _launcher.WrittenPages)
        {
            chain.Read(index * 4096L, page);
            Assert.True(page.All(b => b == fill), $"page {index} should hold {fill} after pause {pause + 1}");
        }

        chain.Read(4096L * 2000, page);
        Assert.True(page.All(b => b == 0), "a page never written reads as zeros");
        Assert.True(Directory.EnumerateFiles(directory, "memfile.*").Count() <= DiffChain.MaxGenerations + 1, "memfiles nothing points at are removed");
    }

    private async Task StartAsync(CancellationToken ct)
    {
        await using var rollback = new RollbackList("create", NullLogger.Instance, new NoStepFaults());
        await _runtime.StartAsync(_sandbox, rollback, ct);
        rollback.Commit();
    }

    private static JsonElement Body(FakeFirecracker vmm, string path) =>
        JsonDocument.Parse(vmm.Accepted.Last(r => r.Path == path).Body).RootElement;

    public async ValueTask DisposeAsync()
    {
        await _runtime.StopAsync(_sandbox, CancellationToken.None);
        await _launcher.DisposeAsync();
        _pageServers.Dispose();
        await _commands.RunAsync("ip", ["netns", "delete", _namespace], CancellationToken.None);
        Directory.Delete(_wrennDir, recursive: true);
    }
}
