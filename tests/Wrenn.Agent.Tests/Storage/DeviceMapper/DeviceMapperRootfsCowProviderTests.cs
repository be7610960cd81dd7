using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Agent.Storage.Cow;
using Wrenn.Agent.Storage.DeviceMapper;

namespace Wrenn.Agent.Tests.Storage.DeviceMapper;

/// <summary>
/// Device-mapper root disks through the real process runner and fake dmsetup/losetup: the exact
/// commands, the shared origin, retries on EBUSY only, and a rollback that leaves nothing behind.
/// </summary>
public sealed class DeviceMapperRootfsCowProviderTests : IDisposable
{
    private const long BaseBytes = 8 * 1024 * 1024;
    private const long BaseSectors = BaseBytes / 512;

    private readonly FakeStorageTools _tools = new();
    private readonly RootfsCowOptions _options;
    private readonly ListLogger<DmsetupClient> _dmsetupLog = new();
    private readonly LoopDeviceClient _loops;
    private readonly DmsetupClient _dmsetup;
    private readonly OriginLoopRegistry _origins;

    public DeviceMapperRootfsCowProviderTests()
    {
        _options = new RootfsCowOptions { DeviceMapperControl = _tools.ControlPath, RemoveRetryAttempts = 3, RemoveRetryDelay = TimeSpan.FromMilliseconds(1) };
        _loops = new LoopDeviceClient(_tools.Runner, Options.Create(_options));
        _dmsetup = new DmsetupClient(_tools.Runner, Options.Create(_options), _dmsetupLog);
        _origins = new OriginLoopRegistry(_loops, NullLogger<OriginLoopRegistry>.Instance);
        BaseImage = MakeImage("base.ext4");
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string BaseImage { get; }

    public void Dispose() => _tools.Dispose();

    [Fact]
    public async Task Create_attaches_the_origin_read_only_then_a_sparse_cow_then_makes_the_snapshot()
    {
        var dir = SandboxDirectory("a");

        var rootfs = await Provider().CreateAsync("a", BaseImage, dir, Token);

        var cow = Path.Combine(dir, "rootfs.cow");
        Assert.Equal(
            [
                "dmsetup info wrenn-a",
                $"losetup --find --show --read-only {BaseImage}",
                $"losetup --find --show {cow}",
                $"dmsetup create wrenn-a --table 0 {BaseSectors} snapshot /dev/loop0 /dev/loop1 P 8",
            ],
            _tools.Log);
        Assert.Equal(new RootfsCow("a", "device-mapper", "/dev/mapper/wrenn-a", BaseImage, cow), rootfs);
        Assert.Equal([("loop0", BaseImage), ("loop1", cow)], _tools.Loops.OrderBy(l => l.Key).Select(l => (l.Key, l.Value)));
        Assert.Equal([$"0 {BaseSectors} snapshot /dev/loop0 /dev/loop1 P 8"], _tools.Devices.Values);
        Assert.True(new FileInfo(cow).Length >= BaseBytes);
        Assert.True(await AllocatedBytesAsync(cow) < 64 * 1024, "the CoW file is sparse");
    }

    [Fact]
    public async Task Remove_takes_down_the_snapshot_then_the_cow_then_the_origin()
    {
        var provider = Provider();
        var rootfs = await provider.CreateAsync("a", BaseImage, SandboxDirectory("a"), Token);
        _tools.ClearLog();

        await provider.RemoveAsync(rootfs, Token);

        Assert.Equal(["dmsetup remove wrenn-a", "losetup -d /dev/loop1", "losetup -d /dev/loop0"], _tools.Log);
        AssertNothingLeft(rootfs.CowPath);

        // A second removal finds nothing and is fine.
        await provider.RemoveAsync(rootfs, Token);
        AssertNothingLeft(rootfs.CowPath);
    }

    [Fact]
    public async Task Two_sandboxes_of_one_image_share_one_origin_released_when_both_are_gone()
    {
        var provider = Provider();
        var a = await provider.CreateAsync("a", BaseImage, SandboxDirectory("a"), Token);
        var b = await provider.CreateAsync("b", BaseImage, SandboxDirectory("b"), Token);
        var other = MakeImage("other.ext4");
        var c = await provider.CreateAsync("c", other, SandboxDirectory("c"), Token);

        Assert.Single(_tools.Log, l => l == $"losetup --find --show --read-only {BaseImage}");
        Assert.Single(_tools.Log, l => l == $"losetup --find --show --read-only {other}");
        Assert.Equal(2, _origins.UsersOf(BaseImage));
        Assert.Contains(" snapshot /dev/loop0 ", _tools.Devices["wrenn-b"], StringComparison.Ordinal);

        _tools.ClearLog();
        await provider.RemoveAsync(a, Token);
        Assert.Equal(["dmsetup remove wrenn-a", "losetup -d /dev/loop1"], _tools.Log);
        Assert.Equal(1, _origins.UsersOf(BaseImage));
        Assert.True(_tools.Loops.ContainsKey("loop0"));

        _tools.ClearLog();
        await provider.RemoveAsync(b, Token);
        Assert.Equal(["dmsetup remove wrenn-b", "losetup -d /dev/loop2", "losetup -d /dev/loop0"], _tools.Log);
        Assert.Equal(0, _origins.UsersOf(BaseImage));

        await provider.RemoveAsync(c, Token);
        Assert.Empty(_tools.Loops);
        Assert.Empty(_tools.Devices);
    }

    [Fact]
    public async Task Remove_retries_while_the_device_is_busy_and_then_goes_on()
    {
        var provider = Provider();
        var rootfs = await provider.CreateAsync("a", BaseImage, SandboxDirectory("a"), Token);
        _tools.ClearLog();
        _tools.Fail("dmsetup", "remove", "device-mapper: remove ioctl on wrenn-a  failed: Device or resource busy");
        _tools.Fail("dmsetup", "remove", "device-mapper: remove ioctl on wrenn-a  failed: Device or resource busy");

        await provider.RemoveAsync(rootfs, Token);

        Assert.Equal(["dmsetup remove wrenn-a", "dmsetup remove wrenn-a", "dmsetup remove wrenn-a", "losetup -d /dev/loop1", "losetup -d /dev/loop0"], _tools.Log);
        Assert.Equal(2, _dmsetupLog.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("busy", StringComparison.Ordinal)));
        AssertNothingLeft(rootfs.CowPath);
    }

    [Fact]
    public async Task Remove_gives_up_after_the_retries_when_the_device_stays_busy()
    {
        var provider = Provider();
        var rootfs = await provider.CreateAsync("a", BaseImage, SandboxDirectory("a"), Token);
        _tools.ClearLog();
        for (var i = 0; i < 10; i++)
        {
            _tools.Fail("dmsetup", "remove", "device-mapper: remove ioctl on wrenn-a  failed: Device or resource busy");
        }

        var ex = await Assert.ThrowsAsync<CommandFailedException>(() => provider.RemoveAsync(rootfs, Token));

        Assert.Contains("Device or resource busy", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Repeat("dmsetup remove wrenn-a", 1 + _options.RemoveRetryAttempts), _tools.Log);
        Assert.Equal(2, _tools.Loops.Count);
    }

    [Theory]
    [InlineData("device-mapper: remove ioctl on wrenn-a  failed: Permission denied")]
    [InlineData("device-mapper: remove ioctl on wrenn-a  failed: Invalid argument")]
    public async Task Remove_does_not_retry_other_errors_and_touches_nothing_under_the_device(string stderr)
    {
        var provider = Provider();
        var rootfs = await provider.CreateAsync("a", BaseImage, SandboxDirectory("a"), Token);
        _tools.ClearLog();
        _tools.Fail("dmsetup", "remove", stderr);

        var ex = await Assert.ThrowsAsync<CommandFailedException>(() => provider.RemoveAsync(rootfs, Token));

        Assert.Contains(stderr, ex.Message, StringComparison.Ordinal);
        Assert.Equal(["dmsetup remove wrenn-a"], _tools.Log);
        Assert.Single(_tools.Devices);
        Assert.Equal(2, _tools.Loops.Count);
        Assert.True(File.Exists(rootfs.CowPath));

        // The failure left everything in place, so removal can simply be retried.
        await provider.RemoveAsync(rootfs, Token);
        AssertNothingLeft(rootfs.CowPath);
    }

    [Fact]
    public async Task Remove_of_a_device_that_is_already_gone_carries_on_with_the_rest()
    {
        var provider = Provider();
        var rootfs = await provider.CreateAsync("a", BaseImage, SandboxDirectory("a"), Token);
        _tools.ClearLog();
        _tools.Fail("dmsetup", "remove", "device-mapper: remove ioctl on wrenn-a  failed: No such device or address");

        // The fake still has the device (the failure was injected), so it is removed here by hand.
        File.Delete(Path.Combine(_tools.Root, "state", "dm", "wrenn-a"));
        await provider.RemoveAsync(rootfs, Token);

        Assert.Equal(["dmsetup remove wrenn-a", "losetup -d /dev/loop1", "losetup -d /dev/loop0"], _tools.Log);
        AssertNothingLeft(rootfs.CowPath);
    }

    public static TheoryData<string, string, string, string[]> CommandFailures() => new()
    {
        // tool, subcommand to fail, stderr, the undo commands expected after the failing one (in order)
        { "losetup", "--find", "losetup: cannot find an unused loop device: Permission denied", [] },
        { "dmsetup", "create", "device-mapper: reload ioctl on wrenn-a  failed: Permission denied", ["dmsetup remove wrenn-a", "losetup -d /dev/loop1", "losetup -d /dev/loop0"] },
        { "dmsetup", "create", "device-mapper: reload ioctl on wrenn-a  failed: No such device", ["dmsetup remove wrenn-a", "losetup -d /dev/loop1", "losetup -d /dev/loop0"] },
    };

    [Theory]
    [MemberData(nameof(CommandFailures))]
    public async Task A_failing_command_is_not_retried_and_rolls_back_in_reverse_order(string tool, string subcommand, string stderr, string[] undo)
    {
        _tools.Fail(tool, subcommand, stderr);
        var dir = SandboxDirectory("a");

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => Provider().CreateAsync("a", BaseImage, dir, Token));

        if (stderr.EndsWith("No such device", StringComparison.Ordinal))
        {
            Assert.IsType<DeviceMapperUnavailableException>(ex);
        }
        else
        {
            Assert.IsType<CommandFailedException>(ex);
        }

        var log = _tools.Log;
        var failed = log.ToList().FindIndex(l => l.StartsWith($"{tool} {subcommand}", StringComparison.Ordinal));
        Assert.Single(log, l => l.StartsWith($"{tool} {subcommand}", StringComparison.Ordinal));
        Assert.Equal(undo, log.Skip(failed + 1));
        AssertNothingLeft(Path.Combine(dir, "rootfs.cow"));
    }

    [Fact]
    public async Task A_failing_cow_attach_finds_its_loop_device_by_file_and_releases_the_origin()
    {
        var dir = SandboxDirectory("a");
        var cow = Path.Combine(dir, "rootfs.cow");
        _tools.Pass("losetup", "--find");
        _tools.Fail("losetup", "--find", "losetup: cannot find an unused loop device: No such file or directory");

        await Assert.ThrowsAsync<CommandFailedException>(() => Provider().CreateAsync("a", BaseImage, dir, Token));

        Assert.Equal(
            [
                "dmsetup info wrenn-a",
                $"losetup --find --show --read-only {BaseImage}",
                $"losetup --find --show {cow}",
                $"losetup -j {cow}",
                "losetup -d /dev/loop0",
            ],
            _tools.Log);
        AssertNothingLeft(cow);
    }

    [Theory]
    [InlineData(1, 2, new[] { "losetup -d /dev/loop0" })]
    [InlineData(2, 2, new[] { "losetup -d /dev/loop0" })]
    [InlineData(3, 3, new[] { "losetup -d /dev/loop1", "losetup -d /dev/loop0" })]
    [InlineData(4, 4, new[] { "dmsetup remove wrenn-a", "losetup -d /dev/loop1", "losetup -d /dev/loop0" })]
    public async Task A_failure_after_any_step_undoes_every_step_in_reverse(int step, int commandsDone, string[] undo)
    {
        var dir = SandboxDirectory("a");
        var cow = Path.Combine(dir, "rootfs.cow");
        var fault = new FailAtStep(step);

        await Assert.ThrowsAsync<InjectedFaultException>(() => Provider(fault).CreateAsync("a", BaseImage, dir, Token));

        string[] done =
        [
            "dmsetup info wrenn-a",
            $"losetup --find --show --read-only {BaseImage}",
            $"losetup --find --show {cow}",
            $"dmsetup create wrenn-a --table 0 {BaseSectors} snapshot /dev/loop0 /dev/loop1 P 8",
        ];
        Assert.Equal(done.Take(commandsDone).Concat(undo), _tools.Log);
        Assert.Equal(new[] { "rootfs.origin", "rootfs.cow-file", "rootfs.cow-loop", "rootfs.snapshot" }[step - 1], fault.FailedStep);
        AssertNothingLeft(cow);
    }

    [Fact]
    public async Task A_failed_create_keeps_the_origin_that_another_sandbox_holds()
    {
        var first = await Provider().CreateAsync("a", BaseImage, SandboxDirectory("a"), Token);
        _tools.ClearLog();

        await Assert.ThrowsAsync<InjectedFaultException>(() => Provider(new FailAtStep(4)).CreateAsync("b", BaseImage, SandboxDirectory("b"), Token));

        Assert.Equal(
            ["dmsetup info wrenn-b", $"losetup --find --show {SandboxDirectory("b")}/rootfs.cow", $"dmsetup create wrenn-b --table 0 {BaseSectors} snapshot /dev/loop0 /dev/loop2 P 8", "dmsetup remove wrenn-b", "losetup -d /dev/loop2"],
            _tools.Log);
        Assert.Equal(1, _origins.UsersOf(BaseImage));
        Assert.Equal(["wrenn-a"], _tools.Devices.Keys);
        Assert.True(File.Exists(first.CowPath));
    }

    [Fact]
    public async Task A_leftover_device_of_the_same_name_is_removed_before_creating_it_again()
    {
        var dir = SandboxDirectory("a");
        var cow = Path.Combine(dir, "rootfs.cow");
        await File.WriteAllTextAsync(cow, "old", Token);
        _tools.SeedLoop(20, BaseImage, readOnly: true);
        _tools.SeedLoop(21, cow, readOnly: false);
        _tools.SeedDevice("wrenn-a", "0 100 snapshot /dev/loop20 /dev/loop21 P 8");

        var rootfs = await Provider().CreateAsync("a", BaseImage, dir, Token);

        Assert.Equal(
            [
                "dmsetup info wrenn-a",
                "dmsetup table wrenn-a",
                "dmsetup remove wrenn-a",
                "losetup -d /dev/loop21",
                "dmsetup ls",
                "losetup -d /dev/loop20",
                $"losetup -j {cow}",
                $"losetup --find --show --read-only {BaseImage}",
                $"losetup --find --show {cow}",
                $"dmsetup create wrenn-a --table 0 {BaseSectors} snapshot /dev/loop22 /dev/loop23 P 8",
            ],
            _tools.Log);
        Assert.Equal(["loop22", "loop23"], _tools.Loops.Keys.Order());
        Assert.Equal("/dev/mapper/wrenn-a", rootfs.DevicePath);
    }

    [Fact]
    public async Task Stale_devices_are_removed_at_start_with_their_loops_unless_a_kept_sandbox_uses_them()
    {
        _tools.SeedLoop(20, BaseImage, readOnly: true);
        _tools.SeedLoop(21, "/var/lib/wrenn/sandboxes/old/rootfs.cow", readOnly: false);
        _tools.SeedLoop(22, "/var/lib/wrenn/sandboxes/keep/rootfs.cow", readOnly: false);
        _tools.SeedLoop(23, "/srv/other.img", readOnly: true);
        _tools.SeedLoop(24, "/var/lib/wrenn/sandboxes/gone/rootfs.cow", readOnly: false);
        _tools.SeedDevice("wrenn-old", "0 100 snapshot /dev/loop20 /dev/loop21 P 8");
        _tools.SeedDevice("wrenn-keep", "0 100 snapshot /dev/loop20 /dev/loop22 P 8");
        _tools.SeedDevice("wrenn-gone", "0 100 snapshot /dev/loop23 /dev/loop24 P 8");
        _tools.SeedDevice("vg0-root", "0 100 linear /dev/sda 2048");

        var removed = await Provider().RemoveStaleAsync(new HashSet<string> { "keep" }, Token);

        Assert.Equal(["wrenn-gone", "wrenn-old"], removed.Order());
        Assert.Equal(["vg0-root", "wrenn-keep"], _tools.Devices.Keys.Order());
        Assert.Equal(["loop20", "loop22"], _tools.Loops.Keys.Order());
        Assert.DoesNotContain(_tools.Log, l => l.Contains("vg0-root", StringComparison.Ordinal) && !l.StartsWith("dmsetup table", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Detach_takes_the_devices_down_and_keeps_the_cow_file_with_what_was_written()
    {
        var provider = Provider();
        var rootfs = await provider.CreateAsync("a", BaseImage, SandboxDirectory("a"), Token);
        var written = await WriteToCowAsync(rootfs.CowPath);
        _tools.ClearLog();

        await provider.DetachAsync(rootfs, Token);

        Assert.Equal(["dmsetup remove wrenn-a", "losetup -d /dev/loop1", "losetup -d /dev/loop0"], _tools.Log);
        Assert.Empty(_tools.Devices);
        Assert.Empty(_tools.Loops);
        Assert.Equal(0, _origins.UsersOf(BaseImage));
        Assert.Equal(written, await File.ReadAllBytesAsync(rootfs.CowPath, Token));

        // Detached already: a second detach finds nothing to do.
        _tools.ClearLog();
        await provider.DetachAsync(rootfs, Token);
        Assert.Equal(["dmsetup remove wrenn-a", $"losetup -j {rootfs.CowPath}"], _tools.Log);
        Assert.True(File.Exists(rootfs.CowPath));
    }

    [Fact]
    public async Task Reattach_makes_the_same_snapshot_again_over_the_kept_cow_file()
    {
        var provider = Provider();
        var rootfs = await provider.CreateAsync("a", BaseImage, SandboxDirectory("a"), Token);
        var written = await WriteToCowAsync(rootfs.CowPath);
        await provider.DetachAsync(rootfs, Token);
        _tools.ClearLog();

        var again = await provider.ReattachAsync(rootfs, Token);

        Assert.Equal(
            [
                "dmsetup info wrenn-a",
                $"losetup -j {rootfs.CowPath}",
                $"losetup --find --show --read-only {BaseImage}",
                $"losetup --find --show {rootfs.CowPath}",
                $"dmsetup create wrenn-a --table 0 {BaseSectors} snapshot /dev/loop2 /dev/loop3 P 8",
            ],
            _tools.Log);
        Assert.Equal(rootfs, again);
        Assert.Equal(written, await File.ReadAllBytesAsync(rootfs.CowPath, Token));
        Assert.Equal([("loop2", BaseImage), ("loop3", rootfs.CowPath)], _tools.Loops.OrderBy(l => l.Key).Select(l => (l.Key, l.Value)));
        Assert.Equal(1, _origins.UsersOf(BaseImage));

        _tools.ClearLog();
        await provider.RemoveAsync(again, Token);
        Assert.Equal(["dmsetup remove wrenn-a", "losetup -d /dev/loop3", "losetup -d /dev/loop2"], _tools.Log);
        AssertNothingLeft(rootfs.CowPath);
    }

    [Fact]
    public async Task Detach_and_reattach_leave_the_origin_to_the_sandboxes_that_still_use_it()
    {
        var provider = Provider();
        var a = await provider.CreateAsync("a", BaseImage, SandboxDirectory("a"), Token);
        var b = await provider.CreateAsync("b", BaseImage, SandboxDirectory("b"), Token);
        _tools.ClearLog();

        await provider.DetachAsync(a, Token);
        Assert.Equal(["dmsetup remove wrenn-a", "losetup -d /dev/loop1"], _tools.Log);
        Assert.Equal(1, _origins.UsersOf(BaseImage));

        _tools.ClearLog();
        await provider.ReattachAsync(a, Token);
        Assert.DoesNotContain(_tools.Log, l => l.Contains("--read-only", StringComparison.Ordinal));
        Assert.Equal($"0 {BaseSectors} snapshot /dev/loop0 /dev/loop3 P 8", _tools.Devices["wrenn-a"]);
        Assert.Equal(2, _origins.UsersOf(BaseImage));

        await provider.RemoveAsync(a, Token);
        await provider.RemoveAsync(b, Token);
        AssertNothingLeft(a.CowPath);
    }

    [Theory]
    [InlineData(1, new[] { "losetup -d /dev/loop2" })]
    [InlineData(2, new[] { "losetup -d /dev/loop3", "losetup -d /dev/loop2" })]
    [InlineData(3, new[] { "dmsetup remove wrenn-a", "losetup -d /dev/loop3", "losetup -d /dev/loop2" })]
    public async Task A_reattach_failing_after_any_step_undoes_it_in_reverse_and_keeps_the_cow_file(int step, string[] undo)
    {
        var creator = Provider();
        var rootfs = await creator.CreateAsync("a", BaseImage, SandboxDirectory("a"), Token);
        var written = await WriteToCowAsync(rootfs.CowPath);
        await creator.DetachAsync(rootfs, Token);
        _tools.ClearLog();
        var fault = new FailAtStep(step);

        await Assert.ThrowsAsync<InjectedFaultException>(() => Provider(fault).ReattachAsync(rootfs, Token));

        string[] done =
        [
            "dmsetup info wrenn-a",
            $"losetup -j {rootfs.CowPath}",
            $"losetup --find --show --read-only {BaseImage}",
            $"losetup --find --show {rootfs.CowPath}",
            $"dmsetup create wrenn-a --table 0 {BaseSectors} snapshot /dev/loop2 /dev/loop3 P 8",
        ];
        Assert.Equal(done.Take(2 + step).Concat(undo), _tools.Log);
        Assert.Equal(new[] { "rootfs.origin", "rootfs.cow-loop", "rootfs.snapshot" }[step - 1], fault.FailedStep);
        Assert.Empty(_tools.Devices);
        Assert.Empty(_tools.Loops);
        Assert.Equal(written, await File.ReadAllBytesAsync(rootfs.CowPath, Token));

        // Nothing was lost: the reattach can be retried.
        await Provider().ReattachAsync(rootfs, Token);
        Assert.Single(_tools.Devices);
    }

    [Fact]
    public async Task A_reattach_whose_dmsetup_create_fails_is_not_retried_and_keeps_the_cow_file()
    {
        var provider = Provider();
        var rootfs = await provider.CreateAsync("a", BaseImage, SandboxDirectory("a"), Token);
        await provider.DetachAsync(rootfs, Token);
        _tools.ClearLog();
        _tools.Fail("dmsetup", "create", "device-mapper: reload ioctl on wrenn-a  failed: Permission denied");

        await Assert.ThrowsAsync<CommandFailedException>(() => provider.ReattachAsync(rootfs, Token));

        Assert.Single(_tools.Log, l => l.StartsWith("dmsetup create", StringComparison.Ordinal));
        Assert.Equal(["dmsetup remove wrenn-a", "losetup -d /dev/loop3", "losetup -d /dev/loop2"], _tools.Log.TakeLast(3));
        Assert.Empty(_tools.Devices);
        Assert.Empty(_tools.Loops);
        Assert.True(File.Exists(rootfs.CowPath));
        Assert.Equal(0, _origins.UsersOf(BaseImage));
    }

    [Fact]
    public async Task Reattach_takes_down_a_device_an_earlier_agent_left_and_keeps_the_file()
    {
        var dir = SandboxDirectory("a");
        var cow = Path.Combine(dir, "rootfs.cow");
        await File.WriteAllTextAsync(cow, "writes of the sandbox", Token);
        _tools.SeedLoop(20, BaseImage, readOnly: true);
        _tools.SeedLoop(21, cow, readOnly: false);
        _tools.SeedDevice("wrenn-a", "0 100 snapshot /dev/loop20 /dev/loop21 P 8");

        var rootfs = await Provider().ReattachAsync(new RootfsCow("a", "device-mapper", "/dev/mapper/wrenn-a", BaseImage, cow), Token);

        Assert.Equal(
            [
                "dmsetup info wrenn-a",
                "dmsetup table wrenn-a",
                "dmsetup remove wrenn-a",
                "losetup -d /dev/loop21",
                "dmsetup ls",
                "losetup -d /dev/loop20",
                $"losetup -j {cow}",
                $"losetup --find --show --read-only {BaseImage}",
                $"losetup --find --show {cow}",
                $"dmsetup create wrenn-a --table 0 {BaseSectors} snapshot /dev/loop22 /dev/loop23 P 8",
            ],
            _tools.Log);
        Assert.Equal("writes of the sandbox", await File.ReadAllTextAsync(cow, Token));
        Assert.Equal("/dev/mapper/wrenn-a", rootfs.DevicePath);
    }

    [Fact]
    public async Task Reattach_of_a_disk_never_detached_takes_it_down_first()
    {
        var provider = Provider();
        var rootfs = await provider.CreateAsync("a", BaseImage, SandboxDirectory("a"), Token);
        _tools.ClearLog();

        await provider.ReattachAsync(rootfs, Token);

        Assert.Equal(
            [
                "dmsetup remove wrenn-a",
                "losetup -d /dev/loop1",
                "losetup -d /dev/loop0",
                $"losetup -j {rootfs.CowPath}",
                $"losetup --find --show --read-only {BaseImage}",
                $"losetup --find --show {rootfs.CowPath}",
                $"dmsetup create wrenn-a --table 0 {BaseSectors} snapshot /dev/loop2 /dev/loop3 P 8",
            ],
            _tools.Log);
        Assert.Single(_tools.Devices);
        Assert.Equal(2, _tools.Loops.Count);
        Assert.Equal(1, _origins.UsersOf(BaseImage));
    }

    [Fact]
    public async Task Reattach_without_the_cow_file_fails_before_any_command()
    {
        var missing = new RootfsCow("a", "device-mapper", "/dev/mapper/wrenn-a", BaseImage, Path.Combine(SandboxDirectory("a"), "rootfs.cow"));

        await Assert.ThrowsAsync<FileNotFoundException>(() => Provider().ReattachAsync(missing, Token));

        Assert.Empty(_tools.Log);
    }

    [Fact]
    public async Task Sandbox_ids_that_are_not_safe_names_are_refused_before_any_command()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Provider().CreateAsync("../x", BaseImage, SandboxDirectory("x"), Token));

        Assert.Empty(_tools.Log);
    }

    private DeviceMapperRootfsCowProvider Provider(IStepFaults? faults = null) =>
        new(_dmsetup, _loops, _origins, Options.Create(_options), faults ?? new NoStepFaults(), NullLogger<DeviceMapperRootfsCowProvider>.Instance);

    private string MakeImage(string name)
    {
        var path = Path.Combine(_tools.Root, name);
        using var file = new FileStream(path, FileMode.CreateNew);
        file.SetLength(BaseBytes);
        file.Write("ext4 pretend"u8);
        return path;
    }

    private string SandboxDirectory(string sandboxId) => Directory.CreateDirectory(Path.Combine(_tools.Root, "sandboxes", sandboxId)).FullName;

    /// <summary>Stands for what the kernel writes into a CoW file (chunks and the exception table): bytes that must survive detach and reattach.</summary>
    private async Task<byte[]> WriteToCowAsync(string cowPath)
    {
        await using (var file = new FileStream(cowPath, FileMode.Open, FileAccess.Write))
        {
            file.Position = 4096;
            await file.WriteAsync("SnAp header and chunks"u8.ToArray(), Token);
        }

        return await File.ReadAllBytesAsync(cowPath, Token);
    }

    private void AssertNothingLeft(string cowPath)
    {
        Assert.Empty(_tools.Devices);
        Assert.Empty(_tools.Loops);
        Assert.False(File.Exists(cowPath), $"{cowPath} was left behind");
        Assert.Equal(0, _origins.UsersOf(BaseImage));
    }

    private async Task<long> AllocatedBytesAsync(string path)
    {
        var result = await ((ICommandRunner)_tools.Runner).RunCheckedAsync("stat", ["-c", "%b %B", path], Token);
        var fields = result.StandardOutput.Split(' ', StringSplitOptions.TrimEntries);
        return long.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture) * long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
