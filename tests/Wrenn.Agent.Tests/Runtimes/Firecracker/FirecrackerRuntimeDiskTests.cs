using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Runtimes.Firecracker;
using Wrenn.Agent.Storage.Cow;
using Wrenn.Agent.Storage.DeviceMapper;

namespace Wrenn.Agent.Tests.Runtimes.Firecracker;

/// <summary>
/// The Firecracker runtime over device-mapper root disks (fake dmsetup/losetup, see
/// <see cref="FakeStorageTools"/>): a paused VM holds no device on the host, its disk comes back with
/// its contents on resume, and a failed resume leaves it detached and retryable.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class FirecrackerRuntimeDiskTests : IAsyncLifetime
{
    private readonly RuntimeTestBed _bed = new();
    private readonly FakeStorageTools _tools = new();
    private readonly FakeFirecrackerLauncher _launcher = new();
    private readonly FakePageServerLauncher _pageServers = new();
    private readonly FirecrackerRuntime _runtime;
    private readonly RuntimeSandbox _sandbox;

    public FirecrackerRuntimeDiskTests()
    {
        // cp of a /dev/mapper device copies what the fake knows of it (its table), and fails once it is gone, like reading a removed device.
        var realCp = new[] { "/usr/bin/cp", "/bin/cp" }.First(File.Exists);
        _tools.WriteTool("cp", $$"""
            #!/bin/sh
            # The runtime copies with: cp --sparse=always -- SOURCE TARGET
            case "$3" in
            /dev/mapper/*)
              if [ ! -f "@DIR@/state/dm/${3#/dev/mapper/}" ]; then echo "cp: cannot open '$3' for reading: No such file or directory" >&2; exit 1; fi
              exec {{realCp}} "@DIR@/state/dm/${3#/dev/mapper/}" "$4"
              ;;
            esac
            exec {{realCp}} "$@"
            """);

        var options = Options.Create(new RootfsCowOptions { DeviceMapperControl = _tools.ControlPath, RemoveRetryDelay = TimeSpan.FromMilliseconds(1) });
        var loops = new LoopDeviceClient(_tools.Runner, options);
        var deviceMapper = new DeviceMapperRootfsCowProvider(
            new DmsetupClient(_tools.Runner, options, NullLogger<DmsetupClient>.Instance),
            loops,
            new OriginLoopRegistry(loops, NullLogger<OriginLoopRegistry>.Instance),
            options,
            new NoStepFaults(),
            NullLogger<DeviceMapperRootfsCowProvider>.Instance);
        _runtime = _bed.Runtime(deviceMapper, _launcher, _pageServers, _tools.Runner);
        _sandbox = _bed.NewSandbox();
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string Device => "wrenn-" + _sandbox.SandboxId;

    private string CowPath => Path.Combine(_sandbox.Directory, DeviceMapperRootfsCowProvider.CowFileName);

    public async ValueTask InitializeAsync() => await _bed.CreateNamespaceAsync(Token);

    [Fact]
    public async Task A_paused_vm_holds_no_disk_device_and_resumes_on_the_same_disk()
    {
        await _bed.StartAsync(_runtime, _sandbox, Token);
        Assert.Equal("/dev/mapper/" + Device, _launcher.Launches[^1].RootDisk);
        Assert.Equal([Device], _tools.Devices.Keys);
        var written = await WriteToCowAsync();

        await _runtime.PauseAsync(_sandbox, Token);

        Assert.Empty(_tools.Devices);
        Assert.Empty(_tools.Loops);
        Assert.Equal(written, await ReadCowAsync());
        Assert.True(await _runtime.ExistsAsync(_sandbox, Token));

        await _runtime.ResumeAsync(_sandbox, Token);

        Assert.Equal(["PUT /snapshot/load"], _launcher.Vmms[^1].Accepted.Select(r => r.ToString()));
        Assert.Equal("/dev/mapper/" + Device, _launcher.Launches[^1].RootDisk);
        var table = Assert.Single(_tools.Devices).Value.Split(' ');
        Assert.Equal(CowPath, _tools.Loops[table[4][5..]]);
        Assert.Equal(written, await ReadCowAsync());

        Assert.Empty(await _runtime.StopAsync(_sandbox, Token));
        Assert.Empty(_tools.Devices);
        Assert.Empty(_tools.Loops);
        Assert.False(File.Exists(CowPath));
    }

    [Fact]
    public async Task A_failed_resume_detaches_the_disk_again_and_a_retry_gets_it_back()
    {
        await _bed.StartAsync(_runtime, _sandbox, Token);
        var written = await WriteToCowAsync();
        await _runtime.PauseAsync(_sandbox, Token);

        _launcher.OnLaunch = fake => fake.FailNext = "PUT /snapshot/load";
        await Assert.ThrowsAsync<Agent.Runtimes.Firecracker.Api.FirecrackerApiException>(() => _runtime.ResumeAsync(_sandbox, Token));

        Assert.False(await _runtime.IsRunningAsync(_sandbox, Token));
        Assert.Empty(_tools.Devices);
        Assert.Empty(_tools.Loops);
        Assert.Equal(written, await ReadCowAsync());

        // The disk cannot come back: nothing is launched, and the sandbox stays paused.
        var launches = _launcher.Launches.Count;
        _launcher.OnLaunch = null;
        _tools.Fail("dmsetup", "create", "device-mapper: reload ioctl on " + Device + "  failed: Permission denied");
        await Assert.ThrowsAsync<CommandFailedException>(() => _runtime.ResumeAsync(_sandbox, Token));
        Assert.Equal(launches, _launcher.Launches.Count);
        Assert.Empty(_tools.Devices);
        Assert.Empty(_tools.Loops);
        Assert.True(await _runtime.ExistsAsync(_sandbox, Token));

        await _runtime.ResumeAsync(_sandbox, Token);
        Assert.True(await _runtime.IsRunningAsync(_sandbox, Token));
        Assert.Equal([Device], _tools.Devices.Keys);
    }

    [Fact]
    public async Task A_template_of_a_paused_vm_reads_its_disk_through_a_device_attached_for_the_copy_only()
    {
        await _bed.StartAsync(_runtime, _sandbox, Token);
        await _runtime.PauseAsync(_sandbox, Token);
        var template = Directory.CreateDirectory(Path.Combine(_bed.WrennDir, "templates", "t")).FullName;

        await _runtime.WriteTemplateAsync(_sandbox, template, Token);

        // The fake cp copied the device's table: the device existed while it was read.
        Assert.StartsWith("0 ", await File.ReadAllTextAsync(Path.Combine(template, "rootfs.ext4"), Token), StringComparison.Ordinal);
        Assert.Contains(_tools.Log, l => l.StartsWith("dmsetup create " + Device, StringComparison.Ordinal));
        Assert.Empty(_tools.Devices);
        Assert.Empty(_tools.Loops);
        Assert.False(await _runtime.IsRunningAsync(_sandbox, Token), "a paused VM stays paused");
    }

    /// <summary>Stands for what the guest's writes leave in the CoW file; it must survive pause and resume.</summary>
    private async Task<byte[]> WriteToCowAsync()
    {
        await using (var file = new FileStream(CowPath, FileMode.Open, FileAccess.Write))
        {
            file.Position = 8192;
            await file.WriteAsync("written by the guest"u8.ToArray(), Token);
        }

        return await ReadCowAsync();
    }

    /// <summary>The CoW file's first 16 KiB (the file is as large as the image: gigabytes, sparse).</summary>
    private async Task<byte[]> ReadCowAsync()
    {
        var head = new byte[16384];
        await using var file = new FileStream(CowPath, FileMode.Open, FileAccess.Read);
        await file.ReadExactlyAsync(head, Token);
        return head;
    }

    public async ValueTask DisposeAsync()
    {
        await _bed.DisposeAsync();
        await _launcher.DisposeAsync();
        _pageServers.Dispose();
        _tools.Dispose();
    }
}
