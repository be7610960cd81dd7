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
    /// Sends SIGKILL to <paramref name="pid"/> when it is still the process <paramref name="marker"/> names
    /// (<see cref="IsRunning"/>) and waits for it to exit (<see cref="WaitForExitAsync"/>). True once it has
    /// exited or when it had already; false when it still runs after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<bool> KillAsync(int pid, string marker, TimeSpan timeout)
    {
        if (!IsRunning(pid, marker))
        {
            return true;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return true;
        }

        return await WaitForExitAsync(pid, marker, timeout).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until <paramref name="pid"/> is no longer the process <paramref name="marker"/> names: gone, a
    /// zombie, or the pid taken by another program. A zombie has exited (the kernel has closed its
    /// descriptors and left its namespaces). Process.WaitForExitAsync on a process the agent did not start
    /// (these are adopted by init) waits for the reaping as well, which some hosts' init does only every
    /// second or two (1.7 s seen here, per stop). False when it still runs after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<bool> WaitForExitAsync(int pid, string marker, TimeSpan timeout)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (IsRunning(pid, marker))
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
