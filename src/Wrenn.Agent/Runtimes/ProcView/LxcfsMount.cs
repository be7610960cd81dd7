using Microsoft.Extensions.Options;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Runtimes.ProcView;

/// <summary>
/// The lxcfs mount whose files container sandboxes see as their /proc/meminfo, /proc/cpuinfo and the like:
/// lxcfs answers each read from the reader's own cgroups (memory limit, CPU quota and cpuset). A live system
/// lxcfs (Debian's service, /var/lib/lxcfs) is used as it is; otherwise the agent mounts its own under
/// $WRENN_DIR/lxcfs on first use (or at start), adopts it after a restart, and unmounts it at stop once no
/// sandbox uses it (running sandboxes keep theirs, since their binds would fail without it). Without lxcfs,
/// sandboxes are still made, seeing the host's files, and a warning says why.
/// </summary>
public sealed class LxcfsMount(
    IOptions<LxcfsOptions> options,
    IOptions<AgentOptions> agentOptions,
    ICommandRunner commands,
    TimeProvider time,
    ILogger<LxcfsMount> logger) : ILxcfsMount, IHostedService, IAsyncDisposable
{
    /// <summary>What the agent binds, when this lxcfs serves it (older versions lack some).</summary>
    private static readonly string[] Files =
    [
        "/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/proc/uptime", "/proc/loadavg", "/proc/diskstats", "/proc/swaps",
        "/sys/devices/system/cpu/online",
    ];

    private static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan StartWait = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private IReadOnlyList<LxcfsFile>? _files;
    private long _failedAt;
    private bool _released;
    private int _disposed;

    /// <summary>The mount this agent started (or adopted from its previous run); null when it uses someone else's.</summary>
    private string? _owned;

    private string OwnMountPoint => options.Value.MountPoint ?? agentOptions.Value.Layout.Lxcfs;

    public async ValueTask<IReadOnlyList<LxcfsFile>> FilesAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _files) is { } files)
        {
            return files;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_files is not null)
            {
                return _files;
            }

            if (!options.Value.Enabled || (_failedAt != 0 && time.GetElapsedTime(_failedAt) < RetryAfter))
            {
                return [];
            }

            var mountPoint = await FindOrStartAsync(cancellationToken).ConfigureAwait(false);
            if (mountPoint is null)
            {
                _failedAt = time.GetTimestamp();
                return [];
            }

            var found = Files.Where(f => File.Exists(mountPoint + f)).Select(f => new LxcfsFile(mountPoint + f, f)).ToArray();
            Volatile.Write(ref _files, found);
            return found;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Mounted ahead so that no create waits for it; VM runtimes have their own kernel and need none.
        if (agentOptions.Value.Runtime is "qemu" or "firecracker")
        {
            return;
        }

        await FilesAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => ReleaseAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        // The container disposes it once for each name it is registered under (itself, ILxcfsMount, IHostedService).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await ReleaseAsync(CancellationToken.None).ConfigureAwait(false);
        _gate.Dispose();
    }

    private async Task<string?> FindOrStartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.External)
        {
            if (IsLive(OwnMountPoint))
            {
                return OwnMountPoint;
            }

            logger.NoLiveLxcfs(OwnMountPoint);
            return null;
        }

        if (options.Value.SystemMountPoint is { } system && IsLive(system))
        {
            logger.SystemLxcfs(system);
            return system;
        }

        var mountPoint = OwnMountPoint;
        if (IsLive(mountPoint))
        {
            logger.LxcfsAdopted(mountPoint);
            _owned = mountPoint;
            return mountPoint;
        }

        // A mount whose lxcfs died answers ENOTCONN; it is let go so a fresh one can take the name.
        if (LxcfsDevice(mountPoint) is not null)
        {
            Mounts.UnmountIfMounted(mountPoint);
        }

        Directory.CreateDirectory(mountPoint);
        File.SetUnixFileMode(mountPoint, (UnixFileMode)0x1ED); // rwxr-xr-x: sandbox root passes through it

        // lxcfs runs in the foreground: it is started detached (its own session, output to a file, none of
        // our pipes) so that it outlives the agent with the sandboxes that read from it.
        // --enable-cfs: CPU views follow the CFS quota as well as the cpuset; -l: a per-sandbox loadavg.
        var result = await commands.RunAsync(
            "/bin/sh",
            [
                "-c", "command -v \"$0\" >/dev/null || exit 127; setsid \"$0\" --enable-cfs -l -p \"$1\" \"$2\" </dev/null >>\"$3\" 2>&1 &",
                options.Value.Binary, PidFile, mountPoint, LogFile,
            ],
            cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            logger.LxcfsStartFailed(
                options.Value.Binary, result.ExitCode, LogFile);
            return null;
        }

        var started = time.GetTimestamp();
        while (!IsLive(mountPoint))
        {
            if (time.GetElapsedTime(started) > StartWait)
            {
                logger.LxcfsNotUp(mountPoint, LogFile);
                await ReleaseOwnAsync(mountPoint, cancellationToken).ConfigureAwait(false);
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), time, cancellationToken).ConfigureAwait(false);
        }

        _owned = mountPoint;
        logger.LxcfsStarted(mountPoint);
        return mountPoint;
    }

    private string PidFile => OwnMountPoint + ".pid";

    private string LogFile => OwnMountPoint + ".log";

    private async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_released || _owned is not { } mountPoint)
            {
                return;
            }

            _released = true;
            _files = null;
            if (LxcfsDevice(mountPoint) is { } device && MountNamespacesUsing(device) is var users and > 0)
            {
                logger.LxcfsLeftRunning(mountPoint, users);
                return;
            }

            await ReleaseOwnAsync(mountPoint, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Unmounts the agent's lxcfs (which then exits) and makes sure its process is gone.</summary>
    private async Task ReleaseOwnAsync(string mountPoint, CancellationToken cancellationToken)
    {
        Mounts.UnmountIfMounted(mountPoint);
        if (ReadPid() is { } pid)
        {
            // It ends once unmounted, but only after its loadavg thread's next wake-up (up to 5 s): after a
            // second it is killed, which an unmounted lxcfs takes no harm from.
            if (!await ExitedAsync(pid, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false))
            {
                logger.LxcfsStopping(pid);
                try
                {
                    using var process = System.Diagnostics.Process.GetProcessById(pid);
                    process.Kill();
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                {
                    // It ended meanwhile.
                }

                await ExitedAsync(pid, TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            }
        }

        File.Delete(PidFile);
        try
        {
            Directory.Delete(mountPoint);
        }
        catch (IOException)
        {
            // Still a mount point (detached lazily) or not empty: the name stays, harmlessly.
        }

        logger.LxcfsStopped(mountPoint);
    }

    private async Task<bool> ExitedAsync(int pid, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (IsLxcfsProcess(pid))
        {
            if (time.GetElapsedTime(started) > timeout)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), time, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private int? ReadPid()
    {
        try
        {
            return int.TryParse(File.ReadAllText(PidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsLxcfsProcess(int pid)
    {
        try
        {
            // A zombie (exited, not yet reaped by whoever adopted it) has gone as far as it can.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat.LastIndexOf(')');
            return stat.Contains("(lxcfs)", StringComparison.Ordinal) && afterName > 0 && afterName + 2 < stat.Length && stat[afterName + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>True when <paramref name="mountPoint"/> is an lxcfs mount whose daemon answers.</summary>
    private static bool IsLive(string mountPoint) =>
        LxcfsDevice(mountPoint) is not null && Answers(Path.Combine(mountPoint, "proc", "uptime"));

    /// <summary>
    /// Whether a read of <paramref name="file"/> returns data (a dead lxcfs answers ENOTCONN). One read, not
    /// File.ReadAllBytes: lxcfs may give /proc/uptime a size larger than what a read returns (16 bytes against the
    /// 15 a read returned, seen on a test host), and ReadAllBytes reads the size it was told and throws at the
    /// early end, so a live lxcfs looked dead and sandboxes saw the host's CPUs and memory.
    /// </summary>
    internal static bool Answers(string file)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            Span<byte> buffer = stackalloc byte[64];
            return stream.Read(buffer) > 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The device ("major:minor") of the lxcfs mount at <paramref name="mountPoint"/>, or null when none is there.</summary>
    private static string? LxcfsDevice(string mountPoint)
    {
        var full = Path.GetFullPath(mountPoint).TrimEnd('/');
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            if (separator > 4 && separator + 1 < fields.Length && fields[4] == full && fields[separator + 1] == "fuse.lxcfs")
            {
                return fields[2];
            }
        }

        return null;
    }

    /// <summary>How many other mount namespaces (sandboxes) hold files bound from the lxcfs mount <paramref name="device"/>.</summary>
    private static int MountNamespacesUsing(string device)
    {
        var own = ReadLink("/proc/self/ns/mnt");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var users = 0;
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), out _)
                || ReadLink(Path.Combine(process, "ns", "mnt")) is not { } ns
                || ns == own
                || !seen.Add(ns))
            {
                continue;
            }

            try
            {
                // A sandbox binds single files (the mount's root is e.g. /proc/meminfo); a namespace that merely
                // copied the host's mounts when it was made (QEMU's launcher, another unshare) holds the whole
                // mount (root "/") and reads nothing from it.
                if (File.ReadLines(Path.Combine(process, "mountinfo")).Any(l => l.Split(' ') is { Length: > 3 } f && f[2] == device && f[3] != "/"))
                {
                    users++;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while we read.
            }
        }

        return users;
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
