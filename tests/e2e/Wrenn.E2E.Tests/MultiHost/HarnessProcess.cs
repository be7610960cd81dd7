using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Wrenn.E2E.Tests.MultiHost;

/// <summary>A daemon the multi-host harness started (control plane or agent), its output kept; stopped by its own PID.</summary>
public sealed partial class HarnessProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private bool _disposed;

    private HarnessProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _disposed || _process.HasExited;

    /// <summary>The last lines it printed, for failure messages.</summary>
    public string Tail
    {
        get
        {
            lock (_output)
            {
                return $"--- {Name}{(_disposed ? string.Empty : $" (pid {Pid}{(HasExited ? $", exited {_process.ExitCode}" : string.Empty)})")}\n" + string.Join('\n', _output.ToString().Split('\n').TakeLast(60));
            }
        }
    }

    public static HarnessProcess Start(string name, string program, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        var started = new HarnessProcess(name, Process.Start(startInfo)!);
        started._process.StandardInput.Close();
        started._process.OutputDataReceived += (_, e) => started.Append(e.Data);
        started._process.ErrorDataReceived += (_, e) => started.Append(e.Data);
        started._process.BeginOutputReadLine();
        started._process.BeginErrorReadLine();
        return started;
    }

    /// <summary>SIGTERM, then waits for it (SIGKILL after <paramref name="grace"/>, so a hung daemon cannot hang the run).</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (HasExited)
        {
            return;
        }

        _ = kill(_process.Id, 15);
        using var limit = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            _ = kill(_process.Id, 9);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await StopAsync(TimeSpan.FromMinutes(2));
        _disposed = true;
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
