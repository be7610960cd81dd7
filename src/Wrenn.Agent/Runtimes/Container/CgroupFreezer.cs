namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// Pause and resume by writing the cgroup freezer directly, as <c>runc pause/resume</c> does but without
/// starting runc (tens of milliseconds of process start and state loading per call). cgroup v1 writes
/// FROZEN/THAWED to <c>freezer.state</c> until it reads back (FREEZING means not yet); v2 writes
/// <c>cgroup.freeze</c> and waits for <c>frozen 1</c> in <c>cgroup.events</c>. runc reads the same files
/// for its own status, so <c>runc state</c> and <c>runc delete --force</c> see the container as paused.
/// A freeze that does not settle in <see cref="SettleTimeout"/> is thawed again and reported.
/// </summary>
public sealed class CgroupFreezer : IContainerFreezer
{
    public static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Every this many unsettled read backs of a v1 freeze, the group is thawed for 10 ms first.</summary>
    private const int ThawEvery = 50;

    /// <summary>
    /// Read backs that only yield the thread between them (see <see cref="WaitAsync"/>): fewer than
    /// <see cref="ThawEvery"/>, so a group that takes a little longer to settle is not thawed for it.
    /// </summary>
    private const int SpinAttempts = 40;

    /// <summary>The longest the read backs go on without giving up the thread.</summary>
    private static readonly TimeSpan SpinFor = TimeSpan.FromMilliseconds(2);

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
        // A call cancelled before it starts changes nothing, on either hierarchy.
        cancellationToken.ThrowIfCancellationRequested();
        var relative = cgroupPath.Trim('/');
        if (Unified)
        {
            var group = Path.Combine(_root, relative);
            var events = Path.Combine(group, "cgroup.events");
            var expected = frozen ? "frozen 1" : "frozen 0";
            Write(Path.Combine(group, "cgroup.freeze"), frozen ? "1" : "0");
            await WaitAsync(cgroupPath, frozen, () => File.ReadLines(events).Any(line => line.Trim() == expected), _ => Task.CompletedTask, cancellationToken).ConfigureAwait(false);
            return;
        }

        var stateFile = Path.Combine(_root, "freezer", relative, "freezer.state");
        var state = frozen ? "FROZEN" : "THAWED";
        Write(stateFile, state);
        await WaitAsync(
            cgroupPath,
            frozen,
            () => File.ReadAllText(stateFile).Trim() == state,
            attempt => WriteV1AgainAsync(stateFile, frozen, attempt, cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// cgroup v1 can miss a task forked while a freeze walks the group, and then stays FREEZING for good
    /// (runc works around the same kernel behaviour; v2 does not have it). Writing FROZEN again walks the
    /// tasks once more, and a short thaw now and then lets a burst of forks finish before the next try.
    /// </summary>
    private static async Task WriteV1AgainAsync(string stateFile, bool frozen, int attempt, CancellationToken cancellationToken)
    {
        if (frozen && attempt % ThawEvery == ThawEvery - 1)
        {
            Write(stateFile, "THAWED");
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        Write(stateFile, frozen ? "FROZEN" : "THAWED");
    }

    /// <summary>
    /// Writes a freezer file in place, not through the thread pool and back (File.WriteAllTextAsync): the
    /// kernel takes the word at once, and a pause is mostly the waits between this thread and the group's
    /// tasks (see <see cref="WaitAsync"/>), where every hand-off costs.
    /// </summary>
    private static void Write(string file, string value) => File.WriteAllText(file, value);

    /// <param name="again">Called after each read back that did not settle, with the attempt's number.</param>
    private static async Task WaitAsync(string cgroupPath, bool frozen, Func<bool> settled, Func<int, Task> again, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var attempt = 0; !settled(); attempt++)
        {
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if (elapsed > SettleTimeout)
            {
                throw new TimeoutException($"the cgroup {cgroupPath} did not become {(frozen ? "frozen" : "thawed")} within {SettleTimeout.TotalSeconds:F0} s");
            }

            // Most freezes settle by the first read back; the rest once the group's tasks have been
            // scheduled, which took about 1.6 ms for a sandbox on a busy 2-core host. Until then this
            // thread only yields its CPU between read backs (to those tasks, among others): the first
            // timer tick (Task.Delay(1)) came back only after 4-7 ms there, most of a pause's time.
            // Past the spin the wait gives up the thread.
            if (attempt < SpinAttempts && elapsed < SpinFor)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Thread.Yield();
            }
            else
            {
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }

            await again(attempt).ConfigureAwait(false);
        }
    }
}
