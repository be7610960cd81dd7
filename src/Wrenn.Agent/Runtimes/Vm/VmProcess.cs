using System.Globalization;

namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>A VMM process (QEMU, Firecracker, a page server) the agent started detached and knows again by its pid file and command line.</summary>
public static class VmProcess
{
    /// <summary>The pid in <paramref name="pidFile"/>, or null when there is none (not written yet, or removed as the process exited).</summary>
    public static int? ReadPid(string pidFile)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// True while <paramref name="pid"/> exists and is not a zombie, whatever it runs: for a process just
    /// launched, whose command line reads empty while it execs (so <see cref="IsRunning"/> would say no).
    /// </summary>
    public static bool Exists(int? pid)
    {
        try
        {
            return pid is { } id && !File.ReadAllText($"/proc/{id}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Sends SIGKILL to <paramref name="pid"/> and waits until it has exited, which is true once it is a
    /// zombie: the kernel has closed its descriptors and left its namespaces by then. Process.WaitForExitAsync
    /// on a process the agent did not start (these are adopted by init) waits for the reaping as well,
    /// which some hosts' init does only every second or two (1.7 s seen here, per stop). False when it
    /// still runs after <paramref name="timeout"/>; true as well when it had gone already.
    /// </summary>
    public static async Task<bool> KillAsync(int pid, TimeSpan timeout)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return true;
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (Exists(pid))
        {
            if (System.Diagnostics.Stopwatch.GetElapsedTime(started) > timeout)
            {
                return false;
            }

            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>True when <paramref name="pid"/> runs (not a zombie) and its command line holds <paramref name="marker"/>: not a recycled pid.</summary>
    public static bool IsRunning(int? pid, string marker)
    {
        if (pid is not { } id)
        {
            return false;
        }

        try
        {
            return File.ReadAllText($"/proc/{id}/cmdline").Contains(marker, StringComparison.Ordinal)
                && !File.ReadAllText($"/proc/{id}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
