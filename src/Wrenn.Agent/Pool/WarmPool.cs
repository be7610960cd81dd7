using Microsoft.Extensions.Options;
using Wrenn.Agent.Sandboxes;

namespace Wrenn.Agent.Pool;

/// <summary>
/// Ready sandboxes per (template, vcpus, memory), made ahead so a create only has to claim one.
/// Refilled in the background one sandbox at a time; a lane aims for its configured depth while
/// claims come and drops to one ready sandbox after <see cref="WarmPoolOptions.IdleShrinkAfter"/>
/// without a claim. A refill that fails leaves nothing (the filler rolls back) and the lane waits,
/// doubling the wait with each failure in a row. A sandbox whose template's image or envd changed
/// since it was made is never handed out: its lane is drained. Taken sandboxes never come back.
/// The pool holds only room the host's sandboxes leave: with the host's capacity from the control plane
/// (<see cref="LimitTo"/>), a refill is made only when it fits beside the sandboxes in the table and the
/// rest of the pool, and when the sandboxes grow into the pool's room (a cold create, a sandbox moved
/// here) pooled sandboxes are destroyed until the two fit again.
/// </summary>
public sealed class WarmPool(IPoolFiller filler, SandboxTable table, IOptions<WarmPoolOptions> options, TimeProvider clock, ILogger<WarmPool> logger) : BackgroundService
{
    /// <summary>How many pooled sandboxes are destroyed at once (a drain, a stop).</summary>
    private const int RemovalParallelism = 4;

    /// <summary>The longest one refill may take before it is rolled back.</summary>
    private static readonly TimeSpan FillBudget = TimeSpan.FromMinutes(2);

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly List<Task> _removals = [];
    private List<PoolLane>? _lanes;
    private bool _closed;
    private HostCapacity _capacity = HostCapacity.Unlimited;

    public bool Enabled => options.Value.Enabled;

    private List<PoolLane> Lanes => _lanes ??= [.. options.Value.Targets.Select(t => new PoolLane(t, clock.GetUtcNow()))];

    /// <summary>Ready and in-the-making sandboxes with the vcpus and memory they hold.</summary>
    public WarmPoolStatus Status()
    {
        lock (_gate)
        {
            return Totals();
        }
    }

    /// <summary>The totals and the ready sandboxes per key (a key with none is listed too) in one look, as the heartbeat reports them.</summary>
    public WarmPoolReport Report()
    {
        lock (_gate)
        {
            return new WarmPoolReport(Totals(), Enabled ? [.. Lanes.Select(l => new PoolLaneStatus(l.Key, l.Ready.Count))] : []);
        }
    }

    /// <summary>
    /// Whether the host's sandboxes (<paramref name="held"/>), the pool and one more sandbox of <paramref name="plus"/>
    /// (none when null) fit in the capacity. Under the lock.
    /// </summary>
    private bool Fits(SandboxReservation held, PoolKey? plus)
    {
        var pool = Totals();
        return (_capacity.Vcpus is not { } vcpus || held.Vcpus + pool.Vcpus + (plus?.Vcpus ?? 0) <= vcpus)
            && (_capacity.MemoryMb is not { } memoryMb || held.MemoryMb + pool.MemoryMb + (plus?.MemoryMb ?? 0) <= memoryMb);
    }

    /// <summary>
    /// Takes ready sandboxes out of the pool (from the key with the most first) until the host's sandboxes and the
    /// pool fit in the capacity again; the caller destroys them. A refill under way is checked when it ends. Under the lock.
    /// </summary>
    private List<PooledSandbox> OverCapacity(SandboxReservation held)
    {
        List<PooledSandbox> over = [];
        while (!Fits(held, null) && Lanes.Where(l => l.Ready.Count > 0).MaxBy(l => l.Ready.Count) is { } lane)
        {
            over.Add(lane.Ready.Dequeue());
        }

        return over;
    }

    private WarmPoolStatus Totals() => new(
        Lanes.Sum(l => l.Count),
        Lanes.Sum(l => (long)l.Count * l.Key.Vcpus),
        Lanes.Sum(l => (long)l.Count * l.Key.MemoryMb));

    /// <summary>
    /// The host's capacity as the control plane's placement counts it (each heartbeat's answer): from now on the
    /// pool fills only what the host's sandboxes leave of it, and gives up room they took meanwhile.
    /// </summary>
    public void LimitTo(HostCapacity capacity)
    {
        bool changed;
        lock (_gate)
        {
            changed = _capacity != capacity;
            _capacity = capacity;
        }

        if (changed && Enabled)
        {
            logger.PoolCapacity(capacity);
            Wake();
        }
    }

    /// <summary>
    /// A sandbox was added to the table (a cold create starting): destroys the pooled sandboxes whose room the
    /// host's sandboxes need now, so that the create takes room the pool held instead of putting the host over
    /// its capacity. How many were taken out of the pool (they are destroyed in the background).
    /// </summary>
    public int GiveWay(string sandboxId)
    {
        if (!Enabled)
        {
            return 0;
        }

        var held = table.Reserved();
        List<PooledSandbox> over;
        HostCapacity capacity;
        lock (_gate)
        {
            if (_closed)
            {
                return 0;
            }

            over = OverCapacity(held);
            capacity = _capacity;
        }

        if (over.Count > 0)
        {
            logger.PoolGaveWay(over.Count, sandboxId, capacity);
            Track(RemoveAsync(over, CancellationToken.None));
        }

        return over.Count;
    }

    /// <summary>How many ready sandboxes <paramref name="key"/> has now.</summary>
    public int ReadyCount(PoolKey key)
    {
        lock (_gate)
        {
            return Lanes.FirstOrDefault(l => l.Key == key)?.Ready.Count ?? 0;
        }
    }

    /// <summary>
    /// Takes a ready sandbox of <paramref name="key"/>, made of what the template is now; null when
    /// there is none (the caller creates one cold). Either way the lane is raised to its full depth.
    /// </summary>
    public PooledSandbox? TryTake(PoolKey key)
    {
        if (!Enabled)
        {
            return null;
        }

        var current = filler.Stamp(key.Template);
        List<PooledSandbox> stale = [];
        PooledSandbox? taken = null;
        lock (_gate)
        {
            if (_closed || Lanes.FirstOrDefault(l => l.Key == key) is not { } lane)
            {
                return null;
            }

            lane.LastClaimAt = clock.GetUtcNow();
            lane.Depth = lane.Target.MaxDepth;
            if (lane.RetryAt < lane.LastClaimAt + options.Value.RefillDelayAfterClaim)
            {
                lane.RetryAt = lane.LastClaimAt + options.Value.RefillDelayAfterClaim;
            }

            if (lane.Ready.Any(p => p.Stamp != current))
            {
                // The image or envd changed: everything made before is stale, and so is a refill under way.
                stale.AddRange(lane.Ready);
                lane.Ready.Clear();
                lane.Generation++;
            }
            else
            {
                lane.Ready.TryDequeue(out taken);
            }

            Wake();
        }

        if (stale.Count > 0)
        {
            logger.TemplateChangedDraining(key, key.Template, stale.Count);
            Track(RemoveAsync(stale, CancellationToken.None));
        }

        return taken;
    }

    /// <summary>Destroys every pooled sandbox of <paramref name="template"/> (it is being deleted or changed).</summary>
    public async Task DrainAsync(string template, CancellationToken cancellationToken)
    {
        List<PooledSandbox> drained = [];
        lock (_gate)
        {
            foreach (var lane in Lanes.Where(l => l.Key.Template == template))
            {
                drained.AddRange(lane.Ready);
                lane.Ready.Clear();
                lane.Generation++;
            }
        }

        if (drained.Count > 0)
        {
            logger.DrainingTemplate(drained.Count, template);
        }

        await RemoveAsync(drained, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops refilling and destroys every pooled sandbox, including one being made now.</summary>
    public async Task DestroyAllAsync(CancellationToken cancellationToken)
    {
        List<PooledSandbox> all;
        lock (_gate)
        {
            _closed = true;
            all = [.. Lanes.SelectMany(l => l.Ready)];
            foreach (var lane in Lanes)
            {
                lane.Ready.Clear();
                lane.Generation++;
            }
        }

        await RemoveAsync(all, cancellationToken).ConfigureAwait(false);
        Task[] pending;
        lock (_gate)
        {
            pending = [.. _removals];
        }

        await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One step of the refill loop: lowers idle lanes, then makes one sandbox for the first lane below
    /// its depth whose backoff has passed. False when no lane needed one.
    /// </summary>
    public async Task<bool> RefillOnceAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        PoolLane? lane;
        int generation;
        List<PooledSandbox> surplus = [];
        List<PooledSandbox> over;
        HostCapacity capacity;
        var held = table.Reserved();

        // What each template is made of now: ready sandboxes made of something else are drained
        // without waiting for a claim to find them.
        var stamps = options.Value.Targets.Select(t => t.Key.Template).Distinct().ToDictionary(t => t, filler.Stamp);
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            foreach (var changed in Lanes.Where(l => l.Ready.Any(p => p.Stamp != stamps[l.Key.Template])))
            {
                surplus.AddRange(changed.Ready);
                changed.Ready.Clear();
                changed.Generation++;
            }

            foreach (var idle in Lanes.Where(l => l.Depth > 1 && now - l.LastClaimAt >= options.Value.IdleShrinkAfter))
            {
                idle.Depth = 1;
                var ready = idle.Ready.ToList();
                idle.Ready.Clear();
                foreach (var (pooled, index) in ready.Select((p, i) => (p, i)))
                {
                    // The first stays: it is the one the next claim takes.
                    if (index < idle.Depth)
                    {
                        idle.Ready.Enqueue(pooled);
                    }
                    else
                    {
                        surplus.Add(pooled);
                    }
                }
            }

            // The host's sandboxes grew into the pool's room since the last look (claims do not: a claimed
            // sandbox leaves the pool as it joins the table): the pool gives it up.
            over = OverCapacity(held);
            capacity = _capacity;
            lane = Lanes.FirstOrDefault(l => l.Filling == 0 && l.Count < l.Depth && now >= l.RetryAt && Fits(held, l.Key));
            generation = lane?.Generation ?? 0;
            if (lane is not null)
            {
                lane.Filling++;
            }
        }

        if (surplus.Count > 0)
        {
            logger.DestroyingSurplus(surplus.Count);
        }

        if (over.Count > 0)
        {
            logger.PoolOverCapacity(over.Count, capacity);
        }

        if (surplus.Count + over.Count > 0)
        {
            await RemoveAsync([.. surplus, .. over], cancellationToken).ConfigureAwait(false);
        }

        if (lane is null)
        {
            return surplus.Count + over.Count > 0;
        }

        Sandbox? sandbox = null;
        string? stamp = null;
        try
        {
            stamp = filler.Stamp(lane.Key.Template) ?? throw new InvalidOperationException($"template '{lane.Key.Template}' cannot be used");

            // A refill runs to its end even when the agent stops meanwhile (then it is destroyed with the
            // rest): one cut off inside a runtime step can leave what that step made half-known.
            using var budget = new CancellationTokenSource(FillBudget);
            sandbox = await filler.FillAsync(lane.Key, budget.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                lane.Filling--;
                lane.Failures++;
                var wait = TimeSpan.FromTicks(Math.Min(options.Value.MaxBackoff.Ticks, options.Value.FirstBackoff.Ticks << Math.Min(lane.Failures - 1, 20)));
                lane.RetryAt = clock.GetUtcNow() + wait;
                logger.RefillFailed(ex, lane.Key, lane.Failures, wait.TotalSeconds);
            }

            return true;
        }

        var keep = false;
        var heldNow = table.Reserved();
        lock (_gate)
        {
            lane.Filling--;
            lane.Failures = 0;
            lane.RetryAt = clock.GetUtcNow();

            // Made of what the template is now, nothing drained or closed the pool meanwhile, and it still fits
            // beside the host's sandboxes (a create may have taken its room while it was made).
            keep = !_closed && lane.Generation == generation && filler.Stamp(lane.Key.Template) == stamp && Fits(heldNow, lane.Key);
            if (keep)
            {
                lane.Ready.Enqueue(new PooledSandbox(sandbox, lane.Key, stamp));
            }
        }

        if (!keep)
        {
            await RemoveAsync([new PooledSandbox(sandbox, lane.Key, stamp)], CancellationToken.None).ConfigureAwait(false);
        }

        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        logger.PoolTargets(string.Join(", ", options.Value.Targets.Select(t => $"{t.Key} x{t.MaxDepth}")));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await RefillOnceAsync(stoppingToken).ConfigureAwait(false))
                {
                    continue;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.RefillLoopFailed(ex);
            }

            try
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                tick.CancelAfter(UntilNextRefill());
                await _wake.WaitAsync(tick.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The poll interval passed: look again (idle lanes, backoffs that ended).
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // Pooled sandboxes are nobody's: they go with the agent whatever happens to the users' ones.
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await DestroyAllAsync(budget.Token).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// How long the loop may sleep: until the first lane below its depth that fits may refill, at most the poll
    /// interval (which notices room that sandboxes ending gave back).
    /// </summary>
    private TimeSpan UntilNextRefill()
    {
        var now = clock.GetUtcNow();
        var held = table.Reserved();
        lock (_gate)
        {
            var waits = Lanes.Where(l => l.Filling == 0 && l.Count < l.Depth && Fits(held, l.Key)).Select(l => l.RetryAt - now).ToList();
            var wait = waits.Count == 0 ? options.Value.PollInterval : waits.Min();
            return wait < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : wait > options.Value.PollInterval ? options.Value.PollInterval : wait;
        }
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    private void Track(Task removal)
    {
        lock (_gate)
        {
            _removals.RemoveAll(t => t.IsCompleted);
            _removals.Add(removal);
        }
    }

    private Task RemoveAsync(IReadOnlyList<PooledSandbox> sandboxes, CancellationToken cancellationToken) =>
        // A few at a time: one by one, a deep pool outlasted the stop budget on a loaded host and was left behind.
        Parallel.ForEachAsync(
            sandboxes,
            new ParallelOptions { MaxDegreeOfParallelism = RemovalParallelism, CancellationToken = CancellationToken.None },
            async (pooled, _) =>
            {
                try
                {
                    var errors = await filler.DestroyAsync(pooled.Sandbox, cancellationToken).ConfigureAwait(false);
                    if (errors.Count > 0)
                    {
                        logger.PooledSandboxDestroyIncomplete(new AggregateException(errors), pooled.Sandbox.Id);
                    }
                }
                catch (Exception ex)
                {
                    logger.PooledSandboxDestroyFailed(ex, pooled.Sandbox.Id);
                }
            });
}
