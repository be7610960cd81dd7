using System.Diagnostics;
using Wrenn.Cli.Processes;

namespace Wrenn.Cli.Up;

/// <summary>
/// One platform process that `wrenn up` started (control plane or agent): its output goes to a log
/// file; it is stopped with SIGTERM, then SIGKILL after a grace period — always by its own PID.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    /// <summary>How long a stop waits, after the exit, for the child's last output to reach its log.</summary>
    private static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Task _pumps;

    private ChildProcess(string name, Process process, StreamWriter log, string logPath, bool echo)
    {
        Name = name;
        _process = process;
        _log = log;
        LogPath = logPath;
        _pumps = Task.WhenAll(
            PumpAsync(process.StandardOutput, echo),
            PumpAsync(process.StandardError, echo));
    }

    public string Name { get; }

    public string LogPath { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Starts <paramref name="program"/> with extra environment, appending its output to <paramref name="logPath"/>.</summary>
    public static ChildProcess Start(
        string name,
        string program,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment,
        string logPath,
        bool echo)
    {
        var startInfo = RedirectedStartInfo.Create(program, arguments);
        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        // Logs carry sandbox ids, paths and errors: the owner's only, like the daemons' other files.
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!, Wrenn.Common.Files.OwnerOnlyFiles.Directory);
        Wrenn.Common.Files.OwnerOnlyFiles.Close(Path.GetDirectoryName(logPath)!, logPath);
        var log = new StreamWriter(new FileStream(logPath, new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite,
            UnixCreateMode = Wrenn.Common.Files.OwnerOnlyFiles.File,
        }))
        { AutoFlush = true };
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {program}");
        process.StandardInput.Close();
        return new ChildProcess(name, process, log, logPath, echo);
    }

    /// <summary>
    /// SIGTERM, then up to <paramref name="grace"/> to exit, then SIGKILL. Returns what went wrong in the
    /// stop (killed, or a non-zero exit), or null when it stopped cleanly or had exited already (whoever saw
    /// that exit reports it). A daemon that dies or hangs in its stop has skipped its cleanup: network
    /// namespaces, firewall chains and mounts it made stay behind, so the stop's outcome must be heard.
    /// </summary>
    public async Task<string?> StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            await DrainOutputAsync().ConfigureAwait(false);
            return null;
        }

        _ = PosixKill.Kill(_process.Id, PosixKill.SIGTERM);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"wrenn up: {Name} (pid {_process.Id}) did not stop within {grace.TotalSeconds:F0} s; killing it").ConfigureAwait(false);
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await DrainOutputAsync().ConfigureAwait(false);
            return $"did not stop within {grace.TotalSeconds:F0} s and was killed";
        }

        await DrainOutputAsync().ConfigureAwait(false);
        return _process.ExitCode == 0 ? null : $"exited with {_process.ExitCode} while stopping";
    }

    /// <summary>
    /// Lets the pumps write what the child printed last (often why its stop failed) before the stop is reported
    /// with its log's tail: the exit is seen before the pipes are read to their end. Bounded, since a process the
    /// child started may hold the pipes open after it.
    /// </summary>
    private Task DrainOutputAsync() => Task.WhenAny(_pumps, Task.Delay(OutputDrainTimeout));

    /// <summary>The last lines of the child's log, for error messages.</summary>
    public string LogTail(int lines = 25)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines)).TrimEnd();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    /// <summary>The last lines of the log of a child that has exited, once what it printed last is in it.</summary>
    public async Task<string> LogTailAfterExitAsync(int lines = 25)
    {
        await DrainOutputAsync().ConfigureAwait(false);
        return LogTail(lines);
    }

    public async ValueTask DisposeAsync()
    {
        _ = await StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        await _pumps.ConfigureAwait(false);
        await _log.DisposeAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    private async Task PumpAsync(StreamReader source, bool echo)
    {
        while (await source.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (_log)
            {
                _log.WriteLine(line);
            }

            if (echo)
            {
                await Console.Error.WriteLineAsync($"[{Name}] {line}").ConfigureAwait(false);
            }
        }
    }
}
