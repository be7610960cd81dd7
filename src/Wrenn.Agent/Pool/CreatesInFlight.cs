namespace Wrenn.Agent.Pool;

/// <summary>
/// The sandbox creates under way (cold creates, not warm-pool fills), so that what is made ahead in the
/// background (prepared network slots and disks) holds off while one runs: on a small host a refill's
/// ip, iptables and mkfs processes take the cores from that create's runtime and envd (issue 16). A create
/// never waits on this; only the background does, and never longer than it asks.
/// </summary>
public sealed class CreatesInFlight
{
    private readonly Lock _gate = new();
    private int _count;
    private TaskCompletionSource _none = NewCompleted();

    /// <summary>How many creates are under way now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>A create started; every call is matched by one <see cref="End"/>.</summary>
    public void Begin()
    {
        lock (_gate)
        {
            if (_count++ == 0)
            {
                _none = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>A create finished (committed or rolled back).</summary>
    public void End()
    {
        TaskCompletionSource? none = null;
        lock (_gate)
        {
            if (_count == 0)
            {
                throw new InvalidOperationException("a create ended that never began");
            }

            if (--_count == 0)
            {
                none = _none;
            }
        }

        none?.TrySetResult();
    }

    /// <summary>
    /// Returns once no create is under way, or after <paramref name="atMost"/> regardless (creates that follow
    /// each other without a gap must not starve what is made ahead for good).
    /// </summary>
    public async Task WaitUntilNoneAsync(TimeSpan atMost, CancellationToken cancellationToken)
    {
        Task none;
        lock (_gate)
        {
            if (_count == 0)
            {
                return;
            }

            none = _none.Task;
        }

        try
        {
            await none.WaitAsync(atMost, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Held long enough: go ahead beside the creates.
        }
    }

    private static TaskCompletionSource NewCompleted()
    {
        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        completed.SetResult();
        return completed;
    }
}
