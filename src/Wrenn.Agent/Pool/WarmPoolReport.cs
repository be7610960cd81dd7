namespace Wrenn.Agent.Pool;

/// <summary>
/// The pool's totals and its ready sandboxes per key, taken together: the control plane refuses a heartbeat whose
/// ready sandboxes do not fit in its totals, which two separate reads could show if a refill ended between them.
/// </summary>
public sealed record WarmPoolReport(WarmPoolStatus Totals, IReadOnlyList<PoolLaneStatus> Lanes);
