using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// The test executable as a firecracker process (<c>fake-firecracker</c>, started through the wrapper
/// script <see cref="FakeFirecrackerExecutable"/> puts on PATH): takes firecracker's command line
/// (<c>--api-sock</c>, <c>--id</c>; anything else is refused, as firecracker refuses it), serves the
/// contract-checking <see cref="FakeFirecracker"/> on the API socket until it is killed, and reports
/// to the test (<see cref="FakeFirecrackerControl"/>) where it runs, every request it decided, and the
/// drives as it sees them in its own mount namespace. A snapshot it writes names its drives, and a
/// load refuses a snapshot whose drives it cannot open, as Firecracker reopens them by path.
/// </summary>
public static partial class FakeFirecrackerProcess
{
    public const string Verb = "fake-firecracker";

    /// <summary>Put in front of firecracker's own arguments by the wrapper script.</summary>
    public const string ControlDirectoryArgument = "--wrenn-test-control-dir";

    private const string DrivePrefix = "drive ";

    /// <summary>A fake a test forgot is gone after this, whatever happens.</summary>
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not [ControlDirectoryArgument, var directory, .. var arguments])
        {
            await Console.Error.WriteLineAsync($"fake firecracker: expected {ControlDirectoryArgument} DIR first");
            return 2;
        }

        var control = new FakeFirecrackerControl(directory);
        if (control.TakeExitAtStart() is { } message)
        {
            await Console.Error.WriteLineAsync(message);
            return 1;
        }

        if (control.TakeConsoleAtStart() is { } consoleBytes)
        {
            await FloodConsoleAsync(consoleBytes);
        }

        string? socket = null;
        string? id = null;
        for (var i = 0; i < arguments.Length; i++)
        {
            switch (arguments[i])
            {
                case "--api-sock" when i + 1 < arguments.Length:
                    socket = arguments[++i];
                    break;
                case "--id" when i + 1 < arguments.Length:
                    id = arguments[++i];
                    break;
                default:
                    await Console.Error.WriteLineAsync($"error: unexpected argument '{arguments[i]}' found");
                    return 1;
            }
        }

        if (id is not null && !InstanceId().IsMatch(id))
        {
            await Console.Error.WriteLineAsync($"Invalid instance ID: {id}");
            return 1;
        }

        if (socket is null)
        {
            // Firecracker would fall back to /run/firecracker.socket; a fake must not touch that.
            await Console.Error.WriteLineAsync("fake firecracker: --api-sock is required");
            return 1;
        }

        var pid = Environment.ProcessId;
        control.WriteLaunch(new FakeFirecrackerLaunchRecord(
            pid,
            System.Diagnostics.Stopwatch.GetTimestamp(),
            arguments,
            new FileInfo("/proc/self/ns/mnt").LinkTarget ?? string.Empty,
            new FileInfo("/proc/self/ns/net").LinkTarget ?? string.Empty,
            Session()));

        var drives = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var fake = await FakeFirecracker.StartAsync(socket, CancellationToken.None);
        fake.WrittenPages = control.ReadPages();
        fake.Precheck = request => control.TakeFailure(request.ToString())
            ? "fake Firecracker: injected failure"
            : request is { Method: "PUT", Path: "/snapshot/load" } ? MissingDrive(request.Body) : null;
        fake.Handled = (request, fault) =>
        {
            control.AppendRequest(new FakeFirecrackerRequestRecord(pid, request.Method, request.Path, request.Body, fault));
            if (fault is null)
            {
                Accepted(request, pid, drives, fake, control);
            }
        };

        await Task.Delay(MaxLifetime);
        return 3;
    }

    /// <summary>Numbered lines to stdout (where a real firecracker prints the guest's serial console) up to <paramref name="bytes"/>, then the end line.</summary>
    private static async Task FloodConsoleAsync(long bytes)
    {
        await using var stdout = Console.OpenStandardOutput();
        for (long line = 0, written = 0; written < bytes; line++)
        {
            var text = System.Text.Encoding.ASCII.GetBytes($"[{line,8}] fake guest console line, as often as the guest likes\n");
            await stdout.WriteAsync(text.AsMemory(0, (int)Math.Min(text.Length, bytes - written)));
            written += text.Length;
        }

        await stdout.WriteAsync(System.Text.Encoding.ASCII.GetBytes(FakeFirecrackerControl.ConsoleEndLine + "\n"));
    }

    private static void Accepted(FakeFirecrackerRequest request, int pid, Dictionary<string, string> drives, FakeFirecracker fake, FakeFirecrackerControl control)
    {
        using var body = request.Body.Length > 0 ? JsonDocument.Parse(request.Body) : null;
        switch (request.Method, request.Path)
        {
            case ("PUT", var path) when path.StartsWith("/drives/", StringComparison.Ordinal):
                var drive = body!.RootElement.GetProperty("path_on_host").GetString()!;
                drives[path["/drives/".Length..]] = drive;
                control.AppendDrive(View(pid, "configure", drive));
                break;

            case ("PUT", "/snapshot/create"):
                // The state file names the drives, as Firecracker's does: a load opens them again by path.
                File.AppendAllLines(body!.RootElement.GetProperty("snapshot_path").GetString()!, drives.Select(d => DrivePrefix + d.Key + " " + d.Value));
                control.WritePages(fake.WrittenPages);
                break;

            case ("PUT", "/snapshot/load"):
                drives.Clear();
                foreach (var (driveId, drivePath) in SnapshotDrives(body!.RootElement.GetProperty("snapshot_path").GetString()!))
                {
                    drives[driveId] = drivePath;
                    control.AppendDrive(View(pid, "load", drivePath));
                }

                break;
        }
    }

    /// <summary>The refusal of a load whose snapshot names a drive that cannot be opened here; null when all are there.</summary>
    private static string? MissingDrive(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var snapshot = document.RootElement.GetProperty("snapshot_path").GetString();
            if (snapshot is null || !File.Exists(snapshot))
            {
                return null;
            }

            return SnapshotDrives(snapshot).Where(d => !File.Exists(d.Path)).Select(d => $"Failed to restore from snapshot: cannot open drive {d.Id} at {d.Path}: No such file or directory (os error 2)").FirstOrDefault();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // A malformed body: the fake's own checks refuse it.
            return null;
        }
    }

    private static IEnumerable<(string Id, string Path)> SnapshotDrives(string snapshot) =>
        File.ReadLines(snapshot)
            .Where(l => l.StartsWith(DrivePrefix, StringComparison.Ordinal))
            .Select(l => l[DrivePrefix.Length..].Split(' ', 2))
            .Select(p => (p[0], p[1]))
            .ToList();

    private static FakeFirecrackerDriveRecord View(int pid, string what, string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return new FakeFirecrackerDriveRecord(pid, what, path, -1, Ext4: false, BoundFrom: null);
        }

        var magic = new byte[2];
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            file.Position = 1080;
            var read = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
            magic = read == 2 ? magic : [0, 0];
        }

        return new FakeFirecrackerDriveRecord(pid, what, path, info.Length, magic is [0x53, 0xEF], BoundFrom(path));
    }

    /// <summary>mountinfo: "id parent major:minor root mountpoint …"; the last mount on the path is the one seen.</summary>
    private static string? BoundFrom(string path) =>
        File.ReadLines("/proc/self/mountinfo")
            .Select(l => l.Split(' '))
            .LastOrDefault(f => f.Length > 4 && f[4] == path)?[3];

    /// <summary>Field 6 of /proc/self/stat (after the parenthesised name, which may hold spaces).</summary>
    private static int Session()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3], CultureInfo.InvariantCulture);
    }

    /// <summary>Firecracker's rule for --id: 1 to 64 letters, digits and dashes.</summary>
    [GeneratedRegex("^[A-Za-z0-9-]{1,64}$")]
    private static partial Regex InstanceId();
}
