using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes.Qemu;
using Wrenn.Agent.Runtimes.Vm;
using Wrenn.Agent.Tests.TestSupport;

namespace Wrenn.Agent.Tests.Runtimes.Qemu;

/// <summary>
/// QEMU's launcher (wrenn-qemu-launch, run as root) with bash (it reads descriptors above 9) in QEMU's place that reports what it was given:
/// the VM user's ids and nothing of root's (no groups, no capabilities in any set, no_new_privs), the sandbox's
/// network namespace, a /dev/net holding only a tun node the VM user owns, its working directory and pid file,
/// and exactly the descriptors the agent asked for (the console's pipe, the files it opened).
/// </summary>
[Collection(HostCollection.Name)]
public sealed class QemuLaunchTests : IAsyncLifetime
{
    private static readonly VmUser User = new(2_000_060_123, 2_000_060_123);

    private readonly ICommandRunner _commands = new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance);

    private readonly string _namespace = $"wrenn-qltest-{Guid.NewGuid():N}"[..20];
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("wrenn-qemu-launch-test-");

    private string Log => Path.Combine(_directory.FullName, "qemu.log");

    private string ConsoleLogFile => Path.Combine(_directory.FullName, "console.log");

    private string PidFile => Path.Combine(_directory.FullName, "qemu.pid");

    private string WorkDirectory => Path.Combine(_directory.FullName, "qemu");

    private static string Launcher => Path.Combine(AppContext.BaseDirectory, QemuLaunch.LauncherFileName);

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "the launcher runs as root");
        _directory.UnixFileMode = (UnixFileMode)0x1ED; // rwxr-xr-x: the VM user passes through to its working directory
        Directory.CreateDirectory(WorkDirectory);
        await _commands.RunCheckedAsync("ip", ["netns", "add", _namespace], TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Environment.IsPrivilegedProcess)
        {
            await _commands.RunCheckedAsync("ip", ["netns", "delete", _namespace], CancellationToken.None);
        }

        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task The_program_runs_as_the_vm_user_without_privileges_in_the_sandbox_namespace_with_only_its_files()
    {
        var input = Path.Combine(_directory.FullName, "input");
        await File.WriteAllTextAsync(input, "given", TestContext.Current.CancellationToken);
        var disk = Path.Combine(_directory.FullName, "disk");
        await File.WriteAllTextAsync(disk, "disk", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(disk, UnixFileMode.UserRead | UnixFileMode.UserWrite); // root's alone: only the launcher can open it

        const string Report = """
            echo uid=$(id -u)
            echo gid=$(id -g)
            grep -E '^(Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status | tr -d '\t ' | sed 's/:/=/'
            echo net=$(readlink /proc/self/ns/net)
            echo devnet=$(ls -A /dev/net | tr '\n' ' ')
            echo tun=$(stat -c %u:%g:%a /dev/net/tun)
            echo pwd=$(pwd)
            echo pid=$$
            echo input=$(cat <&6)
            echo disk=$(cat <&10)
            echo from-the-console >&5
            echo done
            exec sleep 60
            """;
        await LaunchAsync([new(6, "<", input), new(10, "<>", disk)], ["-c", Report]);

        var report = await ReportAsync();
        Assert.Equal(User.Uid.ToString(CultureInfo.InvariantCulture), report["uid"]);
        Assert.Equal(User.Gid.ToString(CultureInfo.InvariantCulture), report["gid"]);
        Assert.Equal(string.Empty, report["Groups"]);
        foreach (var set in new[] { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" })
        {
            Assert.Equal("0000000000000000", report[set]);
        }

        Assert.Equal("1", report["NoNewPrivs"]);
        Assert.Equal($"net:[{FileStatus.OfPath($"/run/netns/{_namespace}")!.Value.Inode}]", report["net"]);
        Assert.Equal("tun", report["devnet"].Trim());
        Assert.Equal($"{User.Uid}:{User.Gid}:600", report["tun"]);
        Assert.Equal(WorkDirectory, report["pwd"]);
        Assert.Equal(report["pid"], (await File.ReadAllTextAsync(PidFile, TestContext.Current.CancellationToken)).Trim());

        // Seen from outside once the report is written and the program is sleep: stdin (/dev/null), the log twice,
        // the console's pipe and the two files given, nothing of the agent's or the launcher's.
        var pid = int.Parse(report["pid"], CultureInfo.InvariantCulture);
        try
        {
            Assert.Equal([0, 1, 2, 5, 6, 10], Directory.GetFiles($"/proc/{pid}/fd").Select(f => int.Parse(Path.GetFileName(f), CultureInfo.InvariantCulture)).Order());
        }
        finally
        {
            // Whatever it runs by then: the report's shell, or the sleep it became.
            Assert.True(await VmProcess.KillAsync(pid, marker: string.Empty, TimeSpan.FromSeconds(30)));
        }

        Assert.Equal("given", report["input"]);
        Assert.Equal("disk", report["disk"]);
        await Waiting.UntilAsync(() => File.Exists(ConsoleLogFile) && File.ReadAllText(ConsoleLogFile).Contains("from-the-console", StringComparison.Ordinal), "the console line never reached console.log through the rotator", TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_file_that_cannot_be_opened_is_named_in_the_log_and_nothing_is_started()
    {
        var missing = Path.Combine(_directory.FullName, "no-such-memory-file");
        await LaunchAsync([new(6, "<", missing)], ["-c", "echo started"]);

        await Waiting.UntilAsync(() => File.Exists(Log) && File.ReadAllText(Log).Contains(missing, StringComparison.Ordinal), "the launcher did not name the missing file in the log", TestContext.Current.CancellationToken);
        var log = await File.ReadAllTextAsync(Log, TestContext.Current.CancellationToken);
        Assert.Contains("wrenn-qemu-launch: open", log, StringComparison.Ordinal);
        Assert.DoesNotContain("started", log.Replace("wrenn-qemu-launch", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.False(File.Exists(PidFile), "a pid file was written for a launch that failed");
    }

    private async Task LaunchAsync(IReadOnlyList<QemuLaunch.OpenFile> files, IReadOnlyList<string> arguments)
    {
        var (program, launch) = QemuLaunch.Command(
            Launcher, Log, ConsoleLogFile, 4096, PidFile, WorkDirectory, $"/run/netns/{_namespace}", User, "tcg", [], files, "/bin/bash", arguments);
        await _commands.RunCheckedAsync(program, launch, TestContext.Current.CancellationToken);
    }

    private async Task<Dictionary<string, string>> ReportAsync()
    {
        await Waiting.UntilAsync(() => File.Exists(Log) && File.ReadAllText(Log).Contains("done", StringComparison.Ordinal), "the launched program did not finish its report", TestContext.Current.CancellationToken);
        var lines = await File.ReadAllLinesAsync(Log, TestContext.Current.CancellationToken);
        return lines.Where(l => l.Contains('=', StringComparison.Ordinal)).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }
}
