using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Os;
using Wrenn.Agent.Storage;

namespace Wrenn.Agent.Tests.Storage;

/// <summary>
/// A sandbox disk survives its host's disk filling up: a write the host cannot take fails (for whoever
/// syncs it), and once space is freed the sandbox's file system takes writes again. Its journal used to
/// be left sparse (lazy_journal_init): the first commit on a full host could not be written, ext4 aborted
/// the journal, and the sandbox's disk stayed read-only. The host here is a small loop-mounted ext4.
/// </summary>
public sealed class SandboxDiskFullHostTests : IAsyncLifetime
{
    private string _root = null!;
    private string _host = null!;
    private string _disk = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "mounting loop devices needs root");
        _root = Directory.CreateTempSubdirectory("wrenn-agent-diskfull-").FullName;
        _host = Path.Combine(_root, "host");
        _disk = Path.Combine(_root, "disk");
        Directory.CreateDirectory(_host);
        Directory.CreateDirectory(_disk);
        var hostImage = Path.Combine(_root, "host.ext4");
        await RunAsync("truncate", "-s", "64M", hostImage);
        await RunAsync("mkfs.ext4", "-q", "-F", "-m", "0", hostImage);
        await RunAsync("mount", "-o", "loop", hostImage, _host);
    }

    public async ValueTask DisposeAsync()
    {
        if (_root is null)
        {
            return;
        }

        foreach (var mount in new[] { _disk, _host })
        {
            if (File.ReadLines("/proc/mounts").Any(l => l.Split(' ')[1] == mount))
            {
                await RunAsync("umount", mount);
            }
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_write_the_full_host_cannot_take_fails_and_the_disk_takes_writes_again_once_space_is_freed()
    {
        var ct = TestContext.Current.CancellationToken;
        var sandbox = Path.Combine(_host, "sb");
        Directory.CreateDirectory(sandbox);
        var disk = new SandboxDisk(
            new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance),
            Options.Create(new SandboxDiskOptions { SizeMb = 512 }),
            Options.Create(new AgentOptions { WrennDir = _root }),
            NullLogger<SandboxDisk>.Instance);
        await disk.FormatAsync(sandbox, ct);
        await RunAsync("mount", "-o", "loop,noatime", Path.Combine(sandbox, SandboxDisk.ImageFileName), _disk);
        Assert.Equal(0, await WriteSyncedAsync("before", 1));

        var filler = Path.Combine(_host, "filler");
        Fill(filler);
        Assert.NotEqual(0, await WriteSyncedAsync("refused", 8));

        File.Delete(filler);
        Assert.Equal(0, await WriteSyncedAsync("after", 1));
        Assert.Contains(File.ReadLines("/proc/mounts"), l => l.Split(' ')[1] == _disk && l.Split(' ')[3].Split(',').Contains("rw"));
    }

    /// <summary>dd of random MiB into the sandbox's disk, fsynced before dd exits; its exit code.</summary>
    private async Task<int> WriteSyncedAsync(string name, int mebibytes)
    {
        var start = new ProcessStartInfo("dd", ["if=/dev/urandom", $"of={Path.Combine(_disk, name)}", "bs=1M", $"count={mebibytes}", "conv=fsync"]) { RedirectStandardError = true };
        using var dd = Process.Start(start)!;
        await dd.StandardError.ReadToEndAsync();
        await dd.WaitForExitAsync();
        return dd.ExitCode;
    }

    /// <summary>Writes zeros until the file system has no byte left (unbuffered: each write reaches it or fails).</summary>
    private static void Fill(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var chunk = new byte[1 << 20];
        for (var size = chunk.Length; size > 0; size /= 2)
        {
            try
            {
                while (true)
                {
                    file.Write(chunk, 0, size);
                }
            }
            catch (IOException)
            {
                // Not that much left; try less.
            }
        }
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {errors}");
    }
}
