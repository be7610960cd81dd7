using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Tests.Os;

/// <summary>
/// The OCI runtime's run in the legacy cgroup view, started from a thread of the agent's: the program sees no cgroup2
/// mount where the host has one, runs under umask 022, gets fd 3, and sees mounts the host made after earlier starts;
/// the host keeps its mount. Needs root and a hybrid host (the view hides /sys/fs/cgroup/unified).
/// </summary>
public sealed partial class LegacyCgroupViewSpawnTests : IDisposable
{
    private const string Unified = "/sys/fs/cgroup/unified";
    private readonly string _base = Directory.CreateTempSubdirectory("wrenn-view-spawn-test-").FullName;

    [Fact]
    public async Task The_program_sees_no_cgroup2_mount_runs_under_umask_022_and_gets_fd_3_while_the_host_keeps_its_mount()
    {
        SkipUnlessHybridRoot();
        var ct = TestContext.Current.CancellationToken;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var output = Path.Combine(_base, "out");

        var exit = await RunAsync(
            ["-c", $"stat -f -c %T {Unified}; umask; readlink /proc/$$/fd/3"],
            socket,
            output,
            ct);

        Assert.Equal(0, exit);
        var lines = File.ReadAllLines(output);
        Assert.NotEqual("cgroup2fs", lines[0]);
        Assert.Equal("0022", lines[1]);
        Assert.Equal(new FileInfo($"/proc/self/fd/{socket.SafeHandle.DangerousGetHandle()}").LinkTarget, lines[2]);

        // Only the program's namespace lost the mount.
        Assert.Equal("cgroup2fs", FileSystemType(Unified));
    }

    [Fact]
    public async Task A_mount_the_host_makes_after_a_start_is_seen_by_the_next_start()
    {
        SkipUnlessHybridRoot();
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(0, await RunAsync(["-c", "true"], null, Path.Combine(_base, "first"), ct));

        // As a sandbox's overlay is mounted just before its run: a namespace kept from the first start would miss it.
        var target = Directory.CreateDirectory(Path.Combine(_base, "mounted")).FullName;
        Assert.Equal(0, Mount("tmpfs", target, "tmpfs", 0, "size=1m"));
        try
        {
            File.WriteAllText(Path.Combine(target, "marker"), "fresh\n");
            var output = Path.Combine(_base, "second");
            Assert.Equal(0, await RunAsync(["-c", $"cat {target}/marker"], null, output, ct));
            Assert.Equal("fresh", File.ReadAllText(output).Trim());
        }
        finally
        {
            _ = Unmount(target, 0);
        }
    }

    [Fact]
    public async Task A_view_that_cannot_be_made_fails_the_start_and_starts_nothing()
    {
        SkipUnlessHybridRoot();
        var marker = Path.Combine(_base, "started");
        using var handle = File.OpenHandle(Path.Combine(_base, "out"), FileMode.Create, FileAccess.Write);
        var error = await Assert.ThrowsAsync<IOException>(() => LegacyCgroupViewSpawn.RunAsync(
            "/bin/sh",
            ["-c", $"touch {marker}"],
            Path.Combine(_base, "not-a-mount"),
            passed: null,
            handle,
            TestContext.Current.CancellationToken));

        Assert.Contains("umount2", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private static async Task<int> RunAsync(string[] arguments, Socket? passed, string output, CancellationToken ct)
    {
        using var handle = File.OpenHandle(output, FileMode.Create, FileAccess.Write);
        return await LegacyCgroupViewSpawn.RunAsync("/bin/sh", arguments, Unified, passed?.SafeHandle, handle, ct);
    }

    private static void SkipUnlessHybridRoot()
    {
        if (Environment.UserName != "root" || !Directory.Exists(Unified) || FileSystemType(Unified) != "cgroup2fs")
        {
            Assert.Skip("needs root on a host with cgroup2 mounted at " + Unified);
        }
    }

    private static string FileSystemType(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-f", "-c", "%T", path]) { RedirectStandardOutput = true })!;
        var type = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return type;
    }

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Mount(string source, string target, string type, ulong flags, string data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Unmount(string target, int flags);
}
