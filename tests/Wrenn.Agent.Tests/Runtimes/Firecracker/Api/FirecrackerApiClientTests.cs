using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Runtimes.Firecracker.Api;

namespace Wrenn.Agent.Tests.Runtimes.Firecracker.Api;

/// <summary>The Firecracker API client against <see cref="FakeFirecracker"/>: what it sends is what the API accepts, and refusals come back typed.</summary>
public sealed class FirecrackerApiClientTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wrenn-fc-api-").FullName;
    private FakeFirecracker _fake = null!;
    private FirecrackerApiClient _client = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string SocketPath => Path.Combine(_dir, "firecracker.sock");

    public async ValueTask InitializeAsync()
    {
        foreach (var file in new[] { "vmlinux", "initrd.img", "rootfs.ext4", "data.ext4" })
        {
            await File.WriteAllTextAsync(Path.Combine(_dir, file), file, Token);
        }

        _fake = await FakeFirecracker.StartAsync(SocketPath, Token);
        _client = await FirecrackerApiClient.ConnectAsync(SocketPath, new FirecrackerApiOptions(), NullLogger<FirecrackerApiClient>.Instance, Token);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _fake.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task The_full_boot_sequence_is_accepted_and_recorded_in_order()
    {
        await _client.ConfigureAndStartAsync(BootConfig(trackDirtyPages: true), Token);

        Assert.Equal(
            [
                "PUT /logger",
                "PUT /metrics",
                "PUT /machine-config",
                "PUT /boot-source",
                "PUT /drives/rootfs",
                "PUT /drives/data",
                "PUT /network-interfaces/eth0",
                "PUT /vsock",
                "PUT /entropy",
                "PUT /actions",
            ],
            _fake.Accepted.Select(r => r.ToString()));
        Assert.Empty(_fake.Rejected);
        Assert.Equal("""{"action_type":"InstanceStart"}""", _fake.Accepted[^1].Body);
        Assert.Equal(FakeVmState.Running, _fake.State);

        var info = await _client.GetInstanceInfoAsync(Token);
        Assert.Equal(InstanceState.Running, info.State);
        Assert.Equal("Firecracker", info.AppName);
        Assert.Equal("fake-firecracker", info.Id);
        Assert.False(string.IsNullOrEmpty(info.VmmVersion));
    }

    [Fact]
    public async Task A_fresh_instance_reports_not_started()
    {
        var info = await _client.GetInstanceInfoAsync(Token);

        Assert.Equal(InstanceState.NotStarted, info.State);
    }

    [Fact]
    public async Task Pause_full_and_diff_snapshots_then_resume_are_accepted()
    {
        await _client.ConfigureAndStartAsync(BootConfig(trackDirtyPages: true), Token);
        var booted = _fake.Accepted.Count;

        await _client.PauseAsync(Token);
        Assert.Equal(InstanceState.Paused, (await _client.GetInstanceInfoAsync(Token)).State);
        await _client.CreateSnapshotAsync(new SnapshotCreateParams(SnapshotType.Full, Path.Combine(_dir, "vm.state"), Path.Combine(_dir, "vm.mem")), Token);
        await _client.CreateSnapshotAsync(new SnapshotCreateParams(SnapshotType.Diff, Path.Combine(_dir, "vm.diff.state"), Path.Combine(_dir, "vm.diff.mem")), Token);
        await _client.ResumeAsync(Token);

        var calls = _fake.Accepted.Skip(booted).ToList();
        Assert.Equal(["PATCH /vm", "GET /", "PUT /snapshot/create", "PUT /snapshot/create", "PATCH /vm"], calls.Select(r => r.ToString()));
        Assert.Equal("""{"state":"Paused"}""", calls[0].Body);
        Assert.Contains("\"snapshot_type\":\"Full\"", calls[2].Body, StringComparison.Ordinal);
        Assert.Contains("\"snapshot_type\":\"Diff\"", calls[3].Body, StringComparison.Ordinal);
        Assert.Equal("""{"state":"Resumed"}""", calls[4].Body);
        Assert.Equal(FakeVmState.Running, _fake.State);
        Assert.True(File.Exists(Path.Combine(_dir, "vm.diff.mem")));
    }

    [Fact]
    public async Task Restore_through_a_uffd_backend_is_accepted_and_tracks_dirty_pages_for_the_next_diff()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "vm.state"), "state", Token);
        var uffdSocket = Path.Combine(_dir, "uffd.sock");
        using var handler = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        handler.Bind(new UnixDomainSocketEndPoint(uffdSocket));
        handler.Listen();

        await _client.RestoreAsync(
            new SnapshotLoadParams(Path.Combine(_dir, "vm.state"), new MemoryBackend(MemoryBackendType.Uffd, uffdSocket), TrackDirtyPages: true),
            new LoggerConfig(Path.Combine(_dir, "firecracker.log"), FirecrackerLogLevel.Info),
            new MetricsConfig(Path.Combine(_dir, "metrics.json")),
            Token);

        Assert.Equal(["PUT /logger", "PUT /metrics", "PUT /snapshot/load"], _fake.Accepted.Select(r => r.ToString()));
        Assert.Equal(
            $$"""{"snapshot_path":"{{_dir}}/vm.state","mem_backend":{"backend_type":"Uffd","backend_path":"{{uffdSocket}}"},"track_dirty_pages":true,"resume_vm":false}""",
            _fake.Accepted[^1].Body);
        Assert.Equal(FakeVmState.Paused, _fake.State);

        await _client.ResumeAsync(Token);
        await _client.PauseAsync(Token);
        await _client.CreateSnapshotAsync(new SnapshotCreateParams(SnapshotType.Diff, Path.Combine(_dir, "vm.2.state"), Path.Combine(_dir, "vm.2.mem")), Token);
        Assert.Empty(_fake.Rejected);
    }

    public static TheoryData<string> Refusals() =>
    [
        "boot-source after start",
        "drive after start",
        "machine-config after start",
        "network-interface after start",
        "second start",
        "start without a kernel",
        "snapshot of a running vm",
        "snapshot load after configuration",
        "pause before start",
        "diff snapshot without dirty tracking",
        "flush metrics before start",
        "drive id with a dash",
        "zero vcpus",
        "zero memory",
        "odd vcpus with smt",
        "metrics twice",
        "malformed mac",
        "missing kernel file",
        "second root drive",
    ];

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_call_the_api_refuses_throws_with_firecrackers_fault_message(string refusal)
    {
        var (method, path, fault, call) = await ArrangeAsync(refusal);
        var acceptedBefore = _fake.Accepted.Count;
        var stateBefore = _fake.State;

        var ex = await Assert.ThrowsAsync<FirecrackerApiException>(call);

        Assert.Equal(method, ex.Method);
        Assert.Equal(path, ex.Path);
        Assert.Equal(400, ex.StatusCode);
        Assert.Contains(fault, ex.FaultMessage, StringComparison.Ordinal);
        Assert.Contains(ex.FaultMessage, ex.Message, StringComparison.Ordinal);
        Assert.Equal(acceptedBefore, _fake.Accepted.Count);
        Assert.Equal(stateBefore, _fake.State);
    }

    [Fact]
    public async Task Waiting_for_a_socket_that_never_appears_times_out_cleanly()
    {
        var started = Stopwatch.GetTimestamp();

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => FirecrackerApiClient.WaitForSocketAsync(
            Path.Combine(_dir, "never.sock"), TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(10), Token));

        Assert.Contains("never.sock", ex.Message, StringComparison.Ordinal);
        Assert.InRange(Stopwatch.GetElapsedTime(started), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Waiting_returns_once_the_socket_appears()
    {
        var late = Path.Combine(_dir, "late.sock");
        var waiting = FirecrackerApiClient.WaitForSocketAsync(late, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10), Token);
        await Task.Delay(200, Token);
        Assert.False(waiting.IsCompleted);

        await using var fake = await FakeFirecracker.StartAsync(late, Token);
        await waiting.WaitAsync(TimeSpan.FromSeconds(5), Token);
    }

    [Fact]
    public async Task Cancelling_the_wait_for_the_socket_cancels_rather_than_timing_out()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => FirecrackerApiClient.WaitForSocketAsync(
            Path.Combine(_dir, "never.sock"), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10), cancel.Token));
    }

    [Fact]
    public async Task Cancelling_a_call_in_flight_ends_it()
    {
        _fake.HoldRequests();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var call = _client.PutMachineConfigAsync(new MachineConfiguration(1, 128), cancel.Token);
        await _fake.WaitForHeldRequestAsync(Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        _fake.ReleaseRequests();

        // The client stays usable after a cancelled call.
        await _client.PutMachineConfigAsync(new MachineConfiguration(2, 256), Token);
    }

    private FirecrackerVmConfig BootConfig(bool trackDirtyPages) => new(
        new BootSource(Path.Combine(_dir, "vmlinux"), "console=ttyS0 reboot=k panic=1", Path.Combine(_dir, "initrd.img")),
        new MachineConfiguration(2, 256, Smt: false, TrackDirtyPages: trackDirtyPages),
        [
            new Drive("rootfs", Path.Combine(_dir, "rootfs.ext4"), IsRootDevice: true, IsReadOnly: false, DriveCacheType.Writeback),
            new Drive("data", Path.Combine(_dir, "data.ext4"), IsRootDevice: false, IsReadOnly: true),
        ],
        [new NetworkInterface("eth0", "tap0", "06:00:0a:0b:00:02")],
        new LoggerConfig(Path.Combine(_dir, "firecracker.log"), FirecrackerLogLevel.Warning, ShowLevel: true),
        new MetricsConfig(Path.Combine(_dir, "metrics.json")),
        new VsockDevice(3, Path.Combine(_dir, "vsock.sock")),
        new EntropyDevice());

    /// <summary>Brings the fake to the state the refusal needs and returns the refused call.</summary>
    private async Task<(string Method, string Path, string Fault, Func<Task> Call)> ArrangeAsync(string refusal)
    {
        var config = BootConfig(trackDirtyPages: false);
        Task Boot() => _client.ConfigureAndStartAsync(config, Token);
        var snapshot = new SnapshotCreateParams(SnapshotType.Full, Path.Combine(_dir, "vm.state"), Path.Combine(_dir, "vm.mem"));
        switch (refusal)
        {
            case "boot-source after start":
                await Boot();
                return ("PUT", "/boot-source", FakeFirecracker.NotAfterStart, () => _client.PutBootSourceAsync(config.BootSource, Token));
            case "drive after start":
                await Boot();
                return ("PUT", "/drives/extra", FakeFirecracker.NotAfterStart, () => _client.PutDriveAsync(new Drive("extra", Path.Combine(_dir, "data.ext4"), false, true), Token));
            case "machine-config after start":
                await Boot();
                return ("PUT", "/machine-config", FakeFirecracker.NotAfterStart, () => _client.PutMachineConfigAsync(new MachineConfiguration(4, 512), Token));
            case "network-interface after start":
                await Boot();
                return ("PUT", "/network-interfaces/eth1", FakeFirecracker.NotAfterStart, () => _client.PutNetworkInterfaceAsync(new NetworkInterface("eth1", "tap1"), Token));
            case "second start":
                await Boot();
                return ("PUT", "/actions", FakeFirecracker.NotAfterStart, () => _client.StartInstanceAsync(Token));
            case "start without a kernel":
                await _client.PutMachineConfigAsync(config.Machine, Token);
                return ("PUT", "/actions", "without a kernel", () => _client.StartInstanceAsync(Token));
            case "snapshot of a running vm":
                await Boot();
                return ("PUT", "/snapshot/create", FakeFirecracker.SnapshotWhileRunning, () => _client.CreateSnapshotAsync(snapshot, Token));
            case "snapshot load after configuration":
                await File.WriteAllTextAsync(snapshot.SnapshotPath, "state", Token);
                await File.WriteAllTextAsync(snapshot.MemFilePath, "memory", Token);
                await _client.PutMachineConfigAsync(config.Machine, Token);
                return ("PUT", "/snapshot/load", FakeFirecracker.LoadAfterConfiguration, () => _client.LoadSnapshotAsync(
                    new SnapshotLoadParams(snapshot.SnapshotPath, new MemoryBackend(MemoryBackendType.File, snapshot.MemFilePath)), Token));
            case "pause before start":
                await _client.PutBootSourceAsync(config.BootSource, Token);
                return ("PATCH", "/vm", FakeFirecracker.NotBeforeStart, () => _client.PauseAsync(Token));
            case "diff snapshot without dirty tracking":
                await Boot();
                await _client.PauseAsync(Token);
                return ("PUT", "/snapshot/create", FakeFirecracker.DiffWithoutTracking, () => _client.CreateSnapshotAsync(snapshot with { SnapshotType = SnapshotType.Diff }, Token));
            case "flush metrics before start":
                return ("PUT", "/actions", FakeFirecracker.NotBeforeStart, () => _client.PutActionAsync(InstanceActionType.FlushMetrics, Token));
            case "drive id with a dash":
                return ("PUT", "/drives/root-fs", "alphanumeric characters and underscores", () => _client.PutDriveAsync(new Drive("root-fs", Path.Combine(_dir, "rootfs.ext4"), true, false), Token));
            case "zero vcpus":
                return ("PUT", "/machine-config", "`vcpu_count`", () => _client.PutMachineConfigAsync(new MachineConfiguration(0, 128), Token));
            case "zero memory":
                return ("PUT", "/machine-config", "memory size", () => _client.PutMachineConfigAsync(new MachineConfiguration(1, 0), Token));
            case "odd vcpus with smt":
                return ("PUT", "/machine-config", "SMT", () => _client.PutMachineConfigAsync(new MachineConfiguration(3, 128, Smt: true), Token));
            case "metrics twice":
                await _client.PutMetricsAsync(config.Metrics!, Token);
                return ("PUT", "/metrics", "Reinitialization", () => _client.PutMetricsAsync(config.Metrics!, Token));
            case "malformed mac":
                return ("PUT", "/network-interfaces/eth0", "invalid MAC address", () => _client.PutNetworkInterfaceAsync(new NetworkInterface("eth0", "tap0", "06:00:0a:0b:00"), Token));
            case "missing kernel file":
                return ("PUT", "/boot-source", "Invalid kernel path", () => _client.PutBootSourceAsync(new BootSource(Path.Combine(_dir, "no-such-kernel")), Token));
            case "second root drive":
                await _client.PutDriveAsync(config.Drives[0], Token);
                return ("PUT", "/drives/other", "root block device already exists", () => _client.PutDriveAsync(new Drive("other", Path.Combine(_dir, "data.ext4"), true, false), Token));
            default:
                throw new ArgumentOutOfRangeException(nameof(refusal), refusal, "no such case");
        }
    }
}
