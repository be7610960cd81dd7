namespace Wrenn.Agent.Pool;

/// <summary>One entry of WRENN_WARM_POOL: keep up to <paramref name="MaxDepth"/> ready sandboxes of <paramref name="Key"/>.</summary>
public sealed record WarmPoolTarget(PoolKey Key, int MaxDepth);
