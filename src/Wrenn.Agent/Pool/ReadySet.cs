using System.Collections.Concurrent;
using System.Diagnostics;

namespace Wrenn.Agent.Pool;

/// <summary>
/// Things made ahead of need (network slots, sandbox disks): up to a depth of them wait in a queue that
/// takers use without a lock shared with each other; one background refill makes the missing ones one at
/// a time. A take starts the refill after <see cref="RefillDelay"/> (the create that took one gets the
/// cores first), and with <paramref name="creates"/> each thing is begun only once no create is under way
/// (held at most <see cref="MostHeldByCreates"/> each time); <paramref name="make"/> gets
/// <see cref="HoldWhileCreatesAsync"/> to wait the same way between its own steps. A refill that fails
/// waits <see cref="RetryDelay"/> before the next try, and takers make their own meanwhile. Each thing is
/// handed out once; what is still waiting at stop is discarded.
/// </summary>
public sealed class ReadySet<T>(
    string what,
    int depth,
    Func<CancellationToken, Task<T>> make,
    Func<T, CancellationToken, Task> discard,
    ILogger logger,
    CreatesInFlight? creates = null) : IAsyncDisposable
{
    /// <summary>
    /// The longest a refill holds off for creates at one time: under creates that follow each other without
    /// a gap it then goes ahead beside them, one step at a time, rather than leave the set empty for good.
    /// </summary>
    public static readonly TimeSpan MostHeldByCreates = TimeSpan.FromSeconds(1);

    /// <summary>After a failed refill, takers make their own this long before the next try.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>How long after a take the refill starts (a create takes about this long to finish).</summary>
    public static readonly TimeSpan RefillDelay = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentQueue<T> _ready = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Task _refill = Task.CompletedTask;
    private long _refillNotBefore;
    private bool _running;

    /// <summary>How many are waiting.</summary>
    public int Count => _ready.Count;

    /// <summary>Starts keeping the set full (nothing when the depth is 0).</summary>
    public void Start()
    {
        lock (_gate)
        {
            _running = depth > 0 && !_stopping.IsCancellationRequested;
        }

        Kick(afterTake: false);
    }

    /// <summary>Takes one if one is waiting; either way the refill is started to replace what was taken.</summary>
    public bool TryTake(out T item)
    {
        var taken = _ready.TryDequeue(out item!);
        Kick(afterTake: true);
        return taken;
    }

    /// <summary>No more refills (e.g. what is made cannot be used on this host); what waits stays until stop.</summary>
    public void StopRefilling()
    {
        lock (_gate)
        {
            _running = false;
        }
    }

    /// <summary>Stops refilling, waits for a refill under way, and discards everything still waiting.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task refill;
        lock (_gate)
        {
            _running = false;
            if (!_stopping.IsCancellationRequested)
            {
                _stopping.Cancel();
            }

            refill = _refill;
        }

        await refill.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (_ready.TryDequeue(out var item))
        {
            await discard(item, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until the set is full or a refill gave up (tests and benchmarks: a host between bursts).</summary>
    public async Task WaitUntilFullAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task refill;
            lock (_gate)
            {
                if (!_running || _ready.Count >= depth)
                {
                    return;
                }

                refill = _refill;
            }

            if (refill.IsCompleted)
            {
                Kick(afterTake: false);
                lock (_gate)
                {
                    if (ReferenceEquals(_refill, refill))
                    {
                        return;
                    }

                    refill = _refill;
                }
            }

            await refill.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private void Kick(bool afterTake)
    {
        lock (_gate)
        {
            if (!_running || !_refill.IsCompleted || _ready.Count >= depth || Stopwatch.GetTimestamp() < Interlocked.Read(ref _refillNotBefore))
            {
                return;
            }

            var stopping = _stopping.Token;
            _refill = Task.Run(
                async () =>
                {
                    if (afterTake)
                    {
                        // Let the create that took one finish first: on a small host the refill's processes
                        // would otherwise compete with its runc and envd for the same cores.
                        await Task.Delay(RefillDelay, stopping).ConfigureAwait(false);
                    }

                    await RefillAsync(stopping).ConfigureAwait(false);
                },
                CancellationToken.None);
        }
    }

    /// <summary>
    /// Waits while a create is under way (at most <see cref="MostHeldByCreates"/>); at once without
    /// <c>creates</c>. The refill calls it before each thing it makes, and makes with several steps call it
    /// between them.
    /// </summary>
    public Task HoldWhileCreatesAsync(CancellationToken cancellationToken) =>
        creates?.WaitUntilNoneAsync(MostHeldByCreates, cancellationToken) ?? Task.CompletedTask;

    private async Task RefillAsync(CancellationToken cancellationToken)
    {
        while (_ready.Count < depth && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await HoldWhileCreatesAsync(cancellationToken).ConfigureAwait(false);
                _ready.Enqueue(await make(cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                if (!cancellationToken.IsCancellationRequested)
                {
                    Interlocked.Exchange(ref _refillNotBefore, Stopwatch.GetTimestamp() + (long)(RetryDelay.TotalSeconds * Stopwatch.Frequency));
                    logger.PrepareFailed(ex, what, RetryDelay.TotalSeconds);
                }

                return;
            }
        }
    }
}
