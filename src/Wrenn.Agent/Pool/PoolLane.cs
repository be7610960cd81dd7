namespace Wrenn.Agent.Pool;

/// <summary>The pool's state for one key; guarded by the pool's lock.</summary>
internal sealed class PoolLane(WarmPoolTarget target, DateTimeOffset now)
{
    public WarmPoolTarget Target { get; } = target;

    public PoolKey Key => Target.Key;

    public Queue<PooledSandbox> Ready { get; } = new();

    /// <summary>Refills under way (0 or 1: the pool fills one sandbox at a time).</summary>
    public int Filling { get; set; }

    /// <summary>How many ready sandboxes the lane aims for now: its maximum, or 1 after a quiet spell.</summary>
    public int Depth { get; set; } = target.MaxDepth;

    public DateTimeOffset LastClaimAt { get; set; } = now;

    /// <summary>Refill failures in a row; the next refill waits until <see cref="RetryAt"/>.</summary>
    public int Failures { get; set; }

    public DateTimeOffset RetryAt { get; set; } = DateTimeOffset.MinValue;

    /// <summary>Bumped by a drain: a refill that started before it is destroyed when it finishes.</summary>
    public int Generation { get; set; }

    public int Count => Ready.Count + Filling;
}
