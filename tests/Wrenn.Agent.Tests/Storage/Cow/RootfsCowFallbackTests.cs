using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Agent.Storage.Cow;
using Wrenn.Agent.Storage.DeviceMapper;

namespace Wrenn.Agent.Tests.Storage.Cow;

/// <summary>Choosing between device-mapper and file copies, and the copies themselves (real cp on real files).</summary>
public sealed class RootfsCowFallbackTests : IDisposable
{
    private const long ImageBytes = 16 * 1024 * 1024;

    private readonly FakeStorageTools _tools = new();
    private readonly RootfsCowOptions _options;
    private readonly ListLogger<RootfsCowSelector> _selectorLog = new();
    private readonly ListLogger<FileCopyRootfsCowProvider> _copyLog = new();

    public RootfsCowFallbackTests()
    {
        _options = new RootfsCowOptions { DeviceMapperControl = _tools.ControlPath, RemoveRetryDelay = TimeSpan.FromMilliseconds(1) };
        Image = Path.Combine(_tools.Root, "base.ext4");

        // Data at the start and at 8 MiB, holes everywhere else, like a mostly empty filesystem image.
        using var file = new FileStream(Image, FileMode.CreateNew);
        file.SetLength(ImageBytes);
        var data = new byte[64 * 1024];
        new Random(42).NextBytes(data);
        file.Write(data);
        file.Position = 8 * 1024 * 1024;
        file.Write(data);
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string Image { get; }

    public void Dispose() => _tools.Dispose();

    [Fact]
    public async Task Device_mapper_is_chosen_where_its_control_node_exists_and_dmsetup_answers()
    {
        var selector = Selector();

        var rootfs = await selector.CreateAsync("a", Image, SandboxDirectory("a"), Token);

        Assert.Equal("device-mapper", selector.Name);
        Assert.Equal("/dev/mapper/wrenn-a", rootfs.DevicePath);
        Assert.Contains(_selectorLog.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("device-mapper snapshots (Driver version", StringComparison.Ordinal));
        await selector.RemoveAsync(rootfs, Token);
        Assert.Empty(_tools.Devices);
        Assert.Empty(_tools.Loops);
    }

    [Fact]
    public async Task Without_a_device_mapper_control_node_file_copies_are_chosen_and_the_reason_logged()
    {
        File.Delete(_tools.ControlPath);
        var selector = Selector();

        var rootfs = await selector.CreateAsync("a", Image, SandboxDirectory("a"), Token);

        Assert.Equal("file-copy", selector.Name);
        Assert.Equal(Path.Combine(SandboxDirectory("a"), "rootfs.ext4"), rootfs.DevicePath);
        Assert.Contains(_selectorLog.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains($"{_tools.ControlPath} does not exist", StringComparison.Ordinal));
        Assert.DoesNotContain(_tools.Log, l => l.StartsWith("dmsetup", StringComparison.Ordinal) || l.StartsWith("losetup", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_dmsetup_fails_file_copies_are_chosen_with_its_error_as_the_reason()
    {
        _tools.Fail("dmsetup", "version", "/dev/mapper/control: open failed: No such device");
        var selector = Selector();

        var provider = await selector.SelectAsync(Token);

        Assert.IsType<FileCopyRootfsCowProvider>(provider);
        Assert.Contains(_selectorLog.Entries, e => e.Message.Contains("dmsetup version failed: /dev/mapper/control: open failed: No such device", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_snapshot_target_missing_at_create_switches_to_file_copies_for_good()
    {
        _tools.Fail("dmsetup", "create", "device-mapper: reload ioctl on wrenn-a  failed: No such device");
        var selector = Selector();

        var a = await selector.CreateAsync("a", Image, SandboxDirectory("a"), Token);
        var b = await selector.CreateAsync("b", Image, SandboxDirectory("b"), Token);

        Assert.Equal("file-copy", a.Provider);
        Assert.Equal("file-copy", b.Provider);
        Assert.Equal("file-copy", selector.Name);
        Assert.Single(_tools.Log, l => l.StartsWith("dmsetup create", StringComparison.Ordinal));
        Assert.Empty(_tools.Devices);
        Assert.Empty(_tools.Loops);
        Assert.False(File.Exists(Path.Combine(SandboxDirectory("a"), "rootfs.cow")));
        Assert.Contains(_selectorLog.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("switching to file copies", StringComparison.Ordinal) && e.Message.Contains("No such device", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_sparse_copy_is_byte_equal_and_keeps_the_holes()
    {
        // The real cp: no fake in front of it.
        Assert.False(File.Exists(Path.Combine(_tools.Bin, "cp")));
        _options.CopyMode = RootfsCopyMode.Sparse;
        var provider = FileCopy();

        var rootfs = await provider.CreateAsync("a", Image, SandboxDirectory("a"), Token);

        Assert.Equal(await File.ReadAllBytesAsync(Image, Token), await File.ReadAllBytesAsync(rootfs.DevicePath, Token));
        var allocated = await AllocatedBytesAsync(rootfs.DevicePath);
        Assert.True(allocated < 1024 * 1024, $"the copy allocates {allocated} bytes of {ImageBytes}: not sparse");

        await provider.RemoveAsync(rootfs, Token);
        Assert.False(File.Exists(rootfs.DevicePath));
    }

    [Fact]
    public async Task Auto_tries_a_reflink_once_then_uses_sparse_copies_and_says_why()
    {
        FakeCp(reflinkWorks: false);
        var provider = FileCopy();

        var a = await provider.CreateAsync("a", Image, SandboxDirectory("a"), Token);
        var b = await provider.CreateAsync("b", Image, SandboxDirectory("b"), Token);

        Assert.Equal(
            [
                $"cp --reflink=always {Image} {a.DevicePath}",
                $"cp --sparse=always {Image} {a.DevicePath}",
                $"cp --sparse=always {Image} {b.DevicePath}",
            ],
            _tools.Log);
        Assert.Equal(RootfsCopyMode.Sparse, provider.Mode);
        Assert.Equal(await File.ReadAllBytesAsync(Image, Token), await File.ReadAllBytesAsync(b.DevicePath, Token));
        Assert.Contains(_copyLog.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("sparse copies", StringComparison.Ordinal) && e.Message.Contains("Operation not supported", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Auto_keeps_reflinks_where_they_work_and_says_so()
    {
        FakeCp(reflinkWorks: true);
        var provider = FileCopy();

        var a = await provider.CreateAsync("a", Image, SandboxDirectory("a"), Token);
        await provider.CreateAsync("b", Image, SandboxDirectory("b"), Token);

        Assert.All(_tools.Log, l => Assert.StartsWith("cp --reflink=always ", l, StringComparison.Ordinal));
        Assert.Equal(RootfsCopyMode.Reflink, provider.Mode);
        Assert.Equal(await File.ReadAllBytesAsync(Image, Token), await File.ReadAllBytesAsync(a.DevicePath, Token));
        Assert.Contains(_copyLog.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("reflink copies", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_file_copy_stays_as_it_is_through_detach_and_reattach()
    {
        _options.CopyMode = RootfsCopyMode.Sparse;
        var provider = FileCopy();
        var rootfs = await provider.CreateAsync("a", Image, SandboxDirectory("a"), Token);
        await File.AppendAllTextAsync(rootfs.DevicePath, "written by the guest", Token);
        var contents = await File.ReadAllBytesAsync(rootfs.DevicePath, Token);

        await provider.DetachAsync(rootfs, Token);
        var again = await provider.ReattachAsync(rootfs, Token);

        Assert.Equal(rootfs, again);
        Assert.Equal(contents, await File.ReadAllBytesAsync(rootfs.DevicePath, Token));
        File.Delete(rootfs.DevicePath);
        await Assert.ThrowsAsync<FileNotFoundException>(() => provider.ReattachAsync(rootfs, Token));
    }

    [Fact]
    public async Task The_selector_detaches_and_reattaches_a_disk_with_the_provider_that_made_it()
    {
        var selector = Selector();
        var rootfs = await selector.CreateAsync("a", Image, SandboxDirectory("a"), Token);
        _tools.ClearLog();

        await selector.DetachAsync(rootfs, Token);
        Assert.Empty(_tools.Devices);
        Assert.True(File.Exists(rootfs.CowPath));
        var again = await selector.ReattachAsync(rootfs, Token);

        Assert.Equal(rootfs, again);
        Assert.Single(_tools.Log, l => l.StartsWith("dmsetup create wrenn-a", StringComparison.Ordinal));
        Assert.Single(_tools.Devices);
        await selector.RemoveAsync(again, Token);
        Assert.Empty(_tools.Devices);
        Assert.Empty(_tools.Loops);
    }

    [Fact]
    public async Task A_failed_copy_leaves_no_file_behind()
    {
        _options.CopyMode = RootfsCopyMode.Sparse;
        var dir = SandboxDirectory("a");

        await Assert.ThrowsAsync<CommandFailedException>(() => FileCopy().CreateAsync("a", Path.Combine(_tools.Root, "missing.ext4"), dir, Token));

        Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
    }

    private RootfsCowSelector Selector()
    {
        var options = Options.Create(_options);
        var loops = new LoopDeviceClient(_tools.Runner, options);
        var dmsetup = new DmsetupClient(_tools.Runner, options, NullLogger<DmsetupClient>.Instance);
        var deviceMapper = new DeviceMapperRootfsCowProvider(
            dmsetup,
            loops,
            new OriginLoopRegistry(loops, NullLogger<OriginLoopRegistry>.Instance),
            options,
            new NoStepFaults(),
            NullLogger<DeviceMapperRootfsCowProvider>.Instance);
        return new RootfsCowSelector(deviceMapper, FileCopy(), dmsetup, options, _selectorLog);
    }

    private FileCopyRootfsCowProvider FileCopy() => new(_tools.Runner, Options.Create(_options), new NoStepFaults(), _copyLog);

    /// <summary>A cp in front of the real one: logs its argv; a reflink either fails like ext4's (leaving an empty target) or copies.</summary>
    private void FakeCp(bool reflinkWorks)
    {
        var realCp = new[] { "/usr/bin/cp", "/bin/cp" }.First(File.Exists);
        _tools.WriteTool("cp", $$"""
            #!/bin/sh
            { printf 'cp'; for a in "$@"; do printf ' %s' "$a"; done; printf '\n'; } >> '@DIR@/log'
            if [ "$1" = --reflink=always ]; then
              {{(reflinkWorks
                  ? $"exec {realCp} --sparse=always \"$2\" \"$3\""
                  : ": > \"$3\"; echo \"cp: failed to clone '$3' from '$2': Operation not supported\" >&2; exit 1")}}
            fi
            exec {{realCp}} "$@"
            """);
    }

    private string SandboxDirectory(string sandboxId) => Directory.CreateDirectory(Path.Combine(_tools.Root, "sandboxes", sandboxId)).FullName;

    private async Task<long> AllocatedBytesAsync(string path)
    {
        var result = await ((ICommandRunner)_tools.Runner).RunCheckedAsync("stat", ["-c", "%b %B", path], Token);
        var fields = result.StandardOutput.Split(' ', StringSplitOptions.TrimEntries);
        return long.Parse(fields[0], CultureInfo.InvariantCulture) * long.Parse(fields[1], CultureInfo.InvariantCulture);
    }
}
