using System.Text.Json;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// The directory through which a test and its fake firecracker processes talk: each process writes
/// what it saw into files of its own (<c>&lt;pid&gt;.launch.json</c>, <c>&lt;pid&gt;.requests.jsonl</c>,
/// <c>&lt;pid&gt;.drives.jsonl</c>); the test arms failures (<c>cues</c>: one "METHOD /path" per line,
/// taken by the first process that gets such a request; <c>exit-at-start</c>: the next process to start
/// prints it and exits 1; <c>console-at-start</c>: the next process to start prints that many bytes of
/// "guest console" to stdout first); the "guest's" written pages live in <c>pages.json</c> so that one guest's
/// memory carries over from process to process, as a real VM's does through its snapshots.
/// </summary>
public sealed class FakeFirecrackerControl(string directory)
{
    private static readonly JsonSerializerOptions Json = new();

    public string Directory { get; } = directory;

    private string CuesPath => Path.Combine(Directory, "cues");

    private string ExitAtStartPath => Path.Combine(Directory, "exit-at-start");

    private string PagesPath => Path.Combine(Directory, "pages.json");

    private string ConsoleAtStartPath => Path.Combine(Directory, "console-at-start");

    /// <summary>The last line a process armed with <see cref="ConsoleAtStart"/> prints.</summary>
    public const string ConsoleEndLine = "fake guest console ends here";

    /// <summary>Every launch so far, oldest first.</summary>
    public IReadOnlyList<FakeFirecrackerLaunchRecord> Launches =>
    [
        .. System.IO.Directory.EnumerateFiles(Directory, "*.launch.json")
            .Select(f => JsonSerializer.Deserialize<FakeFirecrackerLaunchRecord>(File.ReadAllText(f), Json)!)
            .OrderBy(l => l.Started),
    ];

    /// <summary>Every request <paramref name="pid"/> decided, in order.</summary>
    public IReadOnlyList<FakeFirecrackerRequestRecord> Requests(int pid) => ReadLines<FakeFirecrackerRequestRecord>($"{pid}.requests.jsonl");

    /// <summary>The requests <paramref name="pid"/> accepted, in order.</summary>
    public IReadOnlyList<FakeFirecrackerRequestRecord> Accepted(int pid) => [.. Requests(pid).Where(r => r.Fault is null)];

    /// <summary>The drives <paramref name="pid"/> opened, in order.</summary>
    public IReadOnlyList<FakeFirecrackerDriveRecord> Drives(int pid) => ReadLines<FakeFirecrackerDriveRecord>($"{pid}.drives.jsonl");

    /// <summary>The next "METHOD /path" request any fake process gets is refused (400), as a real failure would be.</summary>
    public void FailNext(string request) => WithLock(() => File.AppendAllText(CuesPath, request + "\n"));

    /// <summary>The next fake process to start prints <paramref name="message"/> to stderr and exits 1, as firecracker does on a bad start.</summary>
    public void ExitAtStart(string message) => File.WriteAllText(ExitAtStartPath, message);

    /// <summary>
    /// The next fake process to start prints <paramref name="bytes"/> of console lines to stdout, then
    /// <see cref="ConsoleEndLine"/>, before it serves its API, as a guest flooding its serial console would.
    /// </summary>
    public void ConsoleAtStart(long bytes) => File.WriteAllText(ConsoleAtStartPath, bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Takes the armed console output, if any (child side).</summary>
    public long? TakeConsoleAtStart() => WithLock(() =>
    {
        if (!File.Exists(ConsoleAtStartPath))
        {
            return (long?)null;
        }

        var bytes = long.Parse(File.ReadAllText(ConsoleAtStartPath), System.Globalization.CultureInfo.InvariantCulture);
        File.Delete(ConsoleAtStartPath);
        return bytes;
    });

    /// <summary>Pages the guest "wrote" so far (page index → fill byte), across all processes.</summary>
    public Dictionary<int, byte> ReadPages() =>
        WithLock(() => File.Exists(PagesPath) ? JsonSerializer.Deserialize<Dictionary<int, byte>>(File.ReadAllText(PagesPath), Json)! : []);

    public void WritePages(Dictionary<int, byte> pages) => WithLock(() =>
    {
        File.WriteAllText(PagesPath + ".tmp", JsonSerializer.Serialize(pages, Json));
        File.Move(PagesPath + ".tmp", PagesPath, overwrite: true);
        return true;
    });

    /// <summary>Takes the armed failure for <paramref name="request"/>, if any (child side).</summary>
    public bool TakeFailure(string request) => WithLock(() =>
    {
        if (!File.Exists(CuesPath))
        {
            return false;
        }

        var cues = File.ReadAllLines(CuesPath).ToList();
        if (!cues.Remove(request))
        {
            return false;
        }

        File.WriteAllLines(CuesPath, cues);
        return true;
    });

    /// <summary>Takes the armed exit, if any (child side).</summary>
    public string? TakeExitAtStart() => WithLock(() =>
    {
        if (!File.Exists(ExitAtStartPath))
        {
            return null;
        }

        var message = File.ReadAllText(ExitAtStartPath);
        File.Delete(ExitAtStartPath);
        return message;
    });

    public void WriteLaunch(FakeFirecrackerLaunchRecord launch) =>
        File.WriteAllText(Path.Combine(Directory, $"{launch.Pid}.launch.json"), JsonSerializer.Serialize(launch, Json));

    public void AppendRequest(FakeFirecrackerRequestRecord request) =>
        File.AppendAllText(Path.Combine(Directory, $"{request.Pid}.requests.jsonl"), JsonSerializer.Serialize(request, Json) + "\n");

    public void AppendDrive(FakeFirecrackerDriveRecord drive) =>
        File.AppendAllText(Path.Combine(Directory, $"{drive.Pid}.drives.jsonl"), JsonSerializer.Serialize(drive, Json) + "\n");

    private List<T> ReadLines<T>(string name)
    {
        var path = Path.Combine(Directory, name);
        return File.Exists(path)
            ? [.. File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<T>(l, Json)!)]
            : [];
    }

    private void WithLock(Action action) => WithLock(() =>
    {
        action();
        return true;
    });

    /// <summary>Across processes: an exclusive open of the lock file (flock underneath).</summary>
    private T WithLock<T>(Func<T> action)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            FileStream held;
            try
            {
                held = new FileStream(Path.Combine(Directory, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5);
                continue;
            }

            using (held)
            {
                return action();
            }
        }
    }
}
