using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Runtimes.Firecracker;
using Wrenn.Agent.Runtimes.Firecracker.Api;
using Wrenn.Agent.Runtimes.Vm;
using Wrenn.Agent.Snapshots;
using Wrenn.Agent.Storage.Cow;

namespace Wrenn.Agent.Tests.Runtimes.Firecracker;

/// <summary>
/// The Firecracker runtime with its real launcher (<see cref="NamespacedFirecrackerLauncher"/>: setsid,
/// nsenter into the sandbox's namespace, unshare of a mount namespace, the disk bound over the shared
/// drive path, the pid file) starting real processes: <c>firecracker</c> on PATH is this test
/// executable serving the contract-checking fake (<see cref="FakeFirecrackerProcess"/>), and each
/// restore gets the agent's own page server (<see cref="AgentPageServerLauncher"/>, this executable's
/// <c>uffd-serve</c>, which runs the agent's code for it). What each fake process saw (its namespaces,
/// session, requests, drives) it reports itself. No KVM: nothing boots, and nothing connects to the page server.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class FirecrackerProcessTests : IAsyncLifetime
{
    private static readonly string[] BootCalls = ["PUT /machine-config", "PUT /boot-source", "PUT /drives/rootfs", "PUT /network-interfaces/eth0", "PUT /entropy", "PUT /actions"];

    private readonly RuntimeTestBed _bed = new();
    private readonly FakeFirecrackerExecutable _fake = new();
    private readonly FirecrackerRuntimeOptions _options = new() { ApiSocketTimeout = TimeSpan.FromSeconds(60) };
    private readonly FirecrackerRuntime _runtime;
    private readonly RuntimeSandbox _sandbox;

    public FirecrackerProcessTests()
    {
        var copies = new FileCopyRootfsCowProvider(
            _fake.Runner,
            Options.Create(new RootfsCowOptions { UseDeviceMapper = false, CopyMode = RootfsCopyMode.Sparse }),
            new NoStepFaults(),
            NullLogger<FileCopyRootfsCowProvider>.Instance);
        _options.PageServerBinary = _fake.TestHost;
        _runtime = _bed.Runtime(copies, new NamespacedFirecrackerLauncher(_fake.Runner, Options.Create(_options)), new AgentPageServerLauncher(_fake.Runner, Options.Create(_options)), _fake.Runner, _options);
        _sandbox = _bed.NewSandbox();
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private FakeFirecrackerControl Control => _fake.Control;

    private string Snapshots => _bed.SnapshotDirectory(_sandbox);

    public async ValueTask InitializeAsync() => await _bed.CreateNamespaceAsync(Token);

    [Fact]
    public async Task A_vm_process_runs_detached_in_the_sandbox_namespace_with_its_disk_bound_in_a_mount_namespace_of_its_own()
    {
        var before = HostSnapshot.Take();

        await _bed.StartAsync(_runtime, _sandbox, Token);

        var launch = Assert.Single(Control.Launches);
        Assert.Equal(["--api-sock", Path.Combine(_sandbox.Directory, "firecracker.sock"), "--id", "wrenn-" + _sandbox.SandboxId], launch.Arguments);
        Assert.Equal(launch.Pid, VmProcess.ReadPid(Path.Combine(_sandbox.Directory, "firecracker.pid")));
        Assert.True(launch.Session == launch.Pid, "started in a session of its own (setsid), so it outlives the agent");
        Assert.Equal($"net:[{await InodeAsync("/var/run/netns/" + _bed.Namespace)}]", launch.NetNamespace);
        Assert.NotEqual(new FileInfo("/proc/self/ns/mnt").LinkTarget, launch.MountNamespace);
        Assert.Equal(BootCalls, Control.Accepted(launch.Pid).Select(r => r.ToString()));
        Assert.DoesNotContain(Control.Requests(launch.Pid), r => r.Fault is not null);

        // The process sees the sandbox's own ext4 at the shared drive path; the host still sees the empty placeholder.
        var drive = Assert.Single(Control.Drives(launch.Pid));
        var disk = Path.Combine(_sandbox.Directory, FileCopyRootfsCowProvider.FileName);
        Assert.Equal(_bed.GuestDrivePath, drive.Path);
        Assert.True(drive.Ext4, "the drive holds the image's ext4");
        Assert.Equal(new FileInfo(disk).Length, drive.Size);
        Assert.EndsWith(disk, drive.BoundFrom, StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(_bed.GuestDrivePath).Length);
        Assert.True(await _runtime.IsRunningAsync(_sandbox, Token));

        Assert.Empty(await _runtime.StopAsync(_sandbox, Token));
        Assert.False(_fake.IsAlive(launch.Pid), "stop ends the process");
        Assert.False(await _runtime.ExistsAsync(_sandbox, Token));
        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task What_a_vm_process_prints_goes_to_a_console_log_that_never_grows_past_its_cap()
    {
        const long cap = 16 * 1024;
        _options.ConsoleLogBytes = cap;
        var log = Path.Combine(_sandbox.Directory, ConsoleLog.FileName);
        var rotated = Path.Combine(_sandbox.Directory, ConsoleLog.RotatedFileName);
        Control.ConsoleAtStart(20 * cap);

        var starting = _bed.StartAsync(_runtime, _sandbox, Token);
        var largest = 0L;
        while (!starting.IsCompleted)
        {
            largest = Math.Max(largest, Math.Max(SizeOf(log), SizeOf(rotated)));
            await Task.Delay(2, Token);
        }

        await starting;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!_runtime.ReadConsoleTail(_sandbox).EndsWith(FakeFirecrackerControl.ConsoleEndLine, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            largest = Math.Max(largest, Math.Max(SizeOf(log), SizeOf(rotated)));
            await Task.Delay(10, Token);
        }

        Assert.EndsWith(FakeFirecrackerControl.ConsoleEndLine, _runtime.ReadConsoleTail(_sandbox), StringComparison.Ordinal);
        Assert.InRange(largest, 1, cap);
        Assert.InRange(SizeOf(log), 1, cap);
        Assert.Equal(cap, SizeOf(rotated));
        Assert.False(File.Exists(Path.Combine(_sandbox.Directory, "firecracker.log")), "nothing else takes the output");
        Assert.All([log, rotated, log + ".pipe"], f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));

        // The rotator ends with the process: nothing holds the pipe's read end afterwards.
        Assert.Empty(await _runtime.StopAsync(_sandbox, Token));
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (RotatorRuns(log) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Token);
        }

        Assert.False(RotatorRuns(log), "the console rotator outlived its VM process");
    }

    [Fact]
    public async Task Each_pause_ends_the_process_and_each_resume_starts_one_that_loads_the_snapshot_over_the_same_disk()
    {
        await _bed.StartAsync(_runtime, _sandbox, Token);
        var disk = Path.Combine(_sandbox.Directory, FileCopyRootfsCowProvider.FileName);
        var types = new List<string>();
        for (var cycle = 0; cycle < 2; cycle++)
        {
            var running = Control.Launches[^1].Pid;
            var pageServer = PageServerPid();
            await _runtime.PauseAsync(_sandbox, Token);

            Assert.False(_fake.IsAlive(running), "a paused VM holds no process");
            Assert.False(VmProcess.IsRunning(pageServer, "uffd-serve"), "nor a page server");
            Assert.Equal(["PATCH /vm", "PUT /snapshot/create"], Control.Accepted(running).Select(r => r.ToString()).TakeLast(2));
            types.Add(Body(Control.Accepted(running)[^1]).GetProperty("snapshot_type").GetString()!);
            AssertChainHoldsWhatTheGuestWrote();

            await _runtime.ResumeAsync(_sandbox, Token);

            var resumed = Control.Launches[^1].Pid;
            Assert.NotEqual(running, resumed);
            Assert.True(_fake.IsAlive(resumed));
            Assert.Equal(["PUT /snapshot/load"], Control.Accepted(resumed).Select(r => r.ToString()));
            var backend = Body(Control.Accepted(resumed)[0]).GetProperty("mem_backend");
            Assert.Equal(("Uffd", Path.Combine(_sandbox.Directory, "uffd.sock")), (backend.GetProperty("backend_type").GetString(), backend.GetProperty("backend_path").GetString()));
            Assert.True(VmProcess.IsRunning(PageServerPid(), "uffd-serve"), "the agent's page server runs for the restored VM");
            Assert.Contains("--snapshot " + Snapshots, (await File.ReadAllTextAsync($"/proc/{PageServerPid()}/cmdline", Token)).Replace('\0', ' '), StringComparison.Ordinal);
            var drive = Assert.Single(Control.Drives(resumed));
            Assert.Equal(("load", _bed.GuestDrivePath, true), (drive.Event, drive.Path, drive.Ext4));
            Assert.EndsWith(disk, drive.BoundFrom, StringComparison.Ordinal);
        }

        Assert.Equal(["Full", "Diff"], types);
        var lastPageServer = PageServerPid();
        Assert.Empty(await _runtime.StopAsync(_sandbox, Token));
        Assert.DoesNotContain(Control.Launches, l => _fake.IsAlive(l.Pid));
        Assert.False(VmProcess.IsRunning(lastPageServer, "uffd-serve"), "stop ends the page server");
    }

    [Fact]
    public async Task With_its_log_and_metrics_turned_on_every_process_sets_them_up_before_anything_else()
    {
        _options.LogLevel = FirecrackerLogLevel.Info;
        _options.Metrics = true;
        await _bed.StartAsync(_runtime, _sandbox, Token);

        var booted = Control.Accepted(Control.Launches[^1].Pid);
        Assert.Equal(["PUT /logger", "PUT /metrics", .. BootCalls], booted.Select(r => r.ToString()));
        var log = Body(booted[0]);
        Assert.Equal((Path.Combine(_sandbox.Directory, "firecracker-vmm.log"), "Info"), (log.GetProperty("log_path").GetString(), log.GetProperty("level").GetString()));
        Assert.True(File.Exists(Path.Combine(_sandbox.Directory, "firecracker-vmm.log")), "Firecracker opens its log, it does not create it");
        Assert.True(File.Exists(Body(booted[1]).GetProperty("metrics_path").GetString()), "nor its metrics file");

        await _runtime.PauseAsync(_sandbox, Token);
        await _runtime.ResumeAsync(_sandbox, Token);

        // A snapshot load accepts only the logger and metrics before it.
        Assert.Equal(["PUT /logger", "PUT /metrics", "PUT /snapshot/load"], Control.Accepted(Control.Launches[^1].Pid).Select(r => r.ToString()));
    }

    [Fact]
    public async Task A_pause_failing_at_the_snapshot_lets_the_same_process_run_on()
    {
        await _bed.StartAsync(_runtime, _sandbox, Token);
        var pid = Control.Launches[^1].Pid;
        Control.FailNext("PUT /snapshot/create");

        await Assert.ThrowsAsync<FirecrackerApiException>(() => _runtime.PauseAsync(_sandbox, Token));

        var last = Control.Requests(pid).TakeLast(3).ToList();
        Assert.Equal(["PATCH /vm", "PUT /snapshot/create", "PATCH /vm"], last.Select(r => r.ToString()));
        Assert.Equal(("Paused", (string?)null), (Body(last[0]).GetProperty("state").GetString(), last[0].Fault));
        Assert.NotNull(last[1].Fault);
        Assert.Equal(("Resumed", (string?)null), (Body(last[2]).GetProperty("state").GetString(), last[2].Fault));
        Assert.True(_fake.IsAlive(pid), "the process that failed to pause runs on");
        Assert.True(await _runtime.IsRunningAsync(_sandbox, Token));
        Assert.False(File.Exists(Path.Combine(Snapshots, "vmstate")), "no snapshot was kept");
    }

    [Fact]
    public async Task A_resume_failing_at_the_load_leaves_no_process_keeps_the_snapshot_and_a_retry_resumes()
    {
        await _bed.StartAsync(_runtime, _sandbox, Token);
        await _runtime.PauseAsync(_sandbox, Token);
        Control.FailNext("PUT /snapshot/load");

        await Assert.ThrowsAsync<FirecrackerApiException>(() => _runtime.ResumeAsync(_sandbox, Token));

        var failed = Control.Launches[^1].Pid;
        Assert.NotNull(Assert.Single(Control.Requests(failed)).Fault);
        Assert.False(_fake.IsAlive(failed), "the half-started process is killed");
        Assert.False(VmProcess.IsRunning(PageServerPid(), "uffd-serve"), "and its page server");
        Assert.False(await _runtime.IsRunningAsync(_sandbox, Token));
        Assert.True(File.Exists(Path.Combine(Snapshots, "vmstate")) && File.Exists(SnapshotDirectory.HeaderPath(Snapshots)), "the snapshot stays");
        Assert.True(await _runtime.ExistsAsync(_sandbox, Token));

        await _runtime.ResumeAsync(_sandbox, Token);

        var resumed = Control.Launches[^1].Pid;
        Assert.NotEqual(failed, resumed);
        Assert.Equal(["PUT /snapshot/load"], Control.Accepted(resumed).Select(r => r.ToString()));
        Assert.True(await _runtime.IsRunningAsync(_sandbox, Token));
    }

    [Fact]
    public async Task A_start_refused_at_any_api_call_leaves_no_process_and_no_disk()
    {
        foreach (var failing in BootCalls)
        {
            Control.FailNext(failing);
            await using (var rollback = new RollbackList("create", NullLogger.Instance, new NoStepFaults()))
            {
                var ex = await Assert.ThrowsAsync<FirecrackerApiException>(() => _runtime.StartAsync(_sandbox, rollback, Token));
                Assert.Equal(failing, $"{ex.Method} {ex.Path}");
            }

            var pid = Control.Launches[^1].Pid;
            Assert.Equal(failing, Control.Requests(pid)[^1].ToString());
            Assert.False(_fake.IsAlive(pid), $"a start refused at {failing} left its process");
            Assert.False(await _runtime.IsRunningAsync(_sandbox, Token));
            Assert.False(File.Exists(Path.Combine(_sandbox.Directory, FileCopyRootfsCowProvider.FileName)), $"a start refused at {failing} left the disk");
            await _bed.RemoveTapAsync(Token);
        }

        Assert.Equal(BootCalls.Length, Control.Launches.Count);
    }

    [Fact]
    public async Task A_process_that_exits_at_once_fails_the_start_with_what_it_printed_and_a_fault_after_any_step_undoes_the_start()
    {
        Control.ExitAtStart("Error: /dev/kvm: No such file or directory (fake)");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using (var rollback = new RollbackList("create", NullLogger.Instance, new NoStepFaults()))
        {
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => _runtime.StartAsync(_sandbox, rollback, Token));
            Assert.Contains("exited before it opened its API socket", ex.Message, StringComparison.Ordinal);
            Assert.Contains("/dev/kvm: No such file or directory (fake)", ex.Message, StringComparison.Ordinal);
        }

        Assert.True(clock.Elapsed < _options.ApiSocketTimeout / 2, $"the start took {clock.Elapsed}: it waited for a process that was gone");
        Assert.False(File.Exists(Path.Combine(_sandbox.Directory, FileCopyRootfsCowProvider.FileName)));
        await _bed.RemoveTapAsync(Token);

        foreach (var (step, name) in new[] { (1, "firecracker.disk"), (2, "firecracker.network"), (3, "firecracker.start") })
        {
            var fault = new FailAtStep(step);
            var launches = Control.Launches.Count;
            await using (var rollback = new RollbackList("create", NullLogger.Instance, fault))
            {
                await Assert.ThrowsAsync<InjectedFaultException>(() => _runtime.StartAsync(_sandbox, rollback, Token));
            }

            Assert.Equal(name, fault.FailedStep);
            Assert.DoesNotContain(Control.Launches, l => _fake.IsAlive(l.Pid));
            Assert.Equal(step == 3 ? launches + 1 : launches, Control.Launches.Count);
            Assert.False(File.Exists(Path.Combine(_sandbox.Directory, FileCopyRootfsCowProvider.FileName)), $"a fault after {name} left the disk");
            await _bed.RemoveTapAsync(Token);
        }
    }

    [Fact]
    public async Task A_template_of_a_running_vm_lets_its_process_run_on_and_a_sandbox_from_it_loads_it_over_its_own_disk()
    {
        await _bed.StartAsync(_runtime, _sandbox, Token);
        var source = Control.Launches[^1].Pid;
        var template = Directory.CreateDirectory(Path.Combine(_bed.WrennDir, "templates", "t")).FullName;

        await _runtime.WriteTemplateAsync(_sandbox, template, Token);

        var last = Control.Accepted(source).TakeLast(3).ToList();
        Assert.Equal(["PATCH /vm", "PUT /snapshot/create", "PATCH /vm"], last.Select(r => r.ToString()));
        Assert.Equal("Full", Body(last[1]).GetProperty("snapshot_type").GetString());
        Assert.Equal("Resumed", Body(last[2]).GetProperty("state").GetString());
        Assert.True(_fake.IsAlive(source), "the source runs on in the same process");

        var child = _bed.NewSandbox(template);
        await _bed.RemoveTapAsync(Token);
        await _bed.StartAsync(_runtime, child, Token);

        var restored = Control.Launches[^1].Pid;
        Assert.Equal(["PUT /snapshot/load"], Control.Accepted(restored).Select(r => r.ToString()));
        var drive = Assert.Single(Control.Drives(restored));
        Assert.True(drive.Ext4);
        Assert.EndsWith(Path.Combine(child.Directory, FileCopyRootfsCowProvider.FileName), drive.BoundFrom, StringComparison.Ordinal);
        Assert.True(_fake.IsAlive(source) && _fake.IsAlive(restored));

        Assert.Empty(await _runtime.StopAsync(child, Token));
        Assert.Empty(await _runtime.StopAsync(_sandbox, Token));
        Assert.DoesNotContain(Control.Launches, l => _fake.IsAlive(l.Pid));
    }

    /// <summary>Every page the guest wrote, in whichever process, reads back from the chain with its last content.</summary>
    private void AssertChainHoldsWhatTheGuestWrote()
    {
        using var chain = MemfileSet.Open(Snapshots);
        var page = new byte[4096];
        var pages = Control.ReadPages();
        Assert.NotEmpty(pages);
        foreach (var (index, fill) in pages)
        {
            chain.Read(index * 4096L, page);
            Assert.True(page.All(b => b == fill), $"page {index} should hold {fill}");
        }
    }

    private static long SizeOf(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? file.Length : 0;
    }

    private static bool RotatorRuns(string log) =>
        Directory.EnumerateDirectories("/proc").Any(directory =>
        {
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
                return commandLine.Contains("console-log") && commandLine.Contains(log);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        });

    private int? PageServerPid() => VmProcess.ReadPid(Path.Combine(_sandbox.Directory, "uffd.pid"));

    private async Task<string> InodeAsync(string path) =>
        (await _bed.Commands.RunCheckedAsync("stat", ["-L", "-c", "%i", path], Token)).StandardOutput.Trim();

    private static System.Text.Json.JsonElement Body(FakeFirecrackerRequestRecord request) =>
        System.Text.Json.JsonDocument.Parse(request.Body).RootElement;

    public async ValueTask DisposeAsync()
    {
        await _bed.DisposeAsync();
        await _fake.DisposeAsync();
    }
}
