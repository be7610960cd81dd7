namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// Pause and resume by writing the cgroup freezer directly, as <c>runc pause/resume</c> does but without
/// starting runc (tens of milliseconds of process start and state loading per call). cgroup v1 writes
/// FROZEN/THAWED to <c>freezer.state</c> and waits until it reads back (FREEZING means not yet); v2 writes
/// <c>cgroup.freeze</c> and waits for <c>frozen 1</c> in <c>cgroup.events</c>. runc reads the same files
/// for its own status, so <c>runc state</c> and <c>runc delete --force</c> see the container as paused.
/// A freeze that does not settle in <see cref="SettleTimeout"/> is thawed again and reported.
/// </summary>
public sealed class CgroupFreezer : IContainerFreezer
{
    public static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(5);

    private readonly string _root;

    public CgroupFreezer()
        : this("/sys/fs/cgroup")
    {
    }

    /// <param name="root">Where the cgroup hierarchies are mounted.</param>
    public CgroupFreezer(string root) => _root = root;

    private bool Unified => File.Exists(Path.Combine(_root, "cgroup.controllers"));

    public async Task FreezeAsync(string cgroupPath, CancellationToken cancellationToken)
    {
        try
        {
            await SetAsync(cgroupPath, frozen: true, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Half frozen is the worst state to leave it in: some processes stopped mid-work, others not.
            await SetAsync(cgroupPath, frozen: false, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public Task ThawAsync(string cgroupPath, CancellationToken cancellationToken) =>
        SetAsync(cgroupPath, frozen: false, cancellationToken);

    private async Task SetAsync(string cgroupPath, bool frozen, CancellationToken cancellationToken)
    {
        var relative = cgroupPath.Trim('/');
        string stateFile;
        Func<bool> settled;
        if (Unified)
        {
            var group = Path.Combine(_root, relative);
            stateFile = Path.Combine(group, "cgroup.freeze");
            var events = Path.Combine(group, "cgroup.events");
            var expected = frozen ? "frozen 1" : "frozen 0";
            settled = () => File.ReadLines(events).Any(line => line.Trim() == expected);
            await File.WriteAllTextAsync(stateFile, frozen ? "1" : "0", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            stateFile = Path.Combine(_root, "freezer", relative, "freezer.state");
            var expected = frozen ? "FROZEN" : "THAWED";
            settled = () => File.ReadAllText(stateFile).Trim() == expected;
            await File.WriteAllTextAsync(stateFile, expected, cancellationToken).ConfigureAwait(false);
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var wait = 0;
        while (!settled())
        {
            if (System.Diagnostics.Stopwatch.GetElapsedTime(started) > SettleTimeout)
            {
                throw new TimeoutException($"the cgroup {cgroupPath} did not become {(frozen ? "frozen" : "thawed")} within {SettleTimeout.TotalSeconds:F0} s");
            }

            // Most freezes settle by the first read back; the rest within a few scheduler ticks.
            if (wait++ < 10)
            {
                await Task.Yield();
            }
            else
            {
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
