namespace Wrenn.Agent.Pool;

/// <summary>
/// How many ready sandboxes one key of the pool holds now (not counting one being made): the control
/// plane reads it to know that a create of this key takes a pooled sandbox's room instead of new room.
/// </summary>
public sealed record PoolLaneStatus(PoolKey Key, int Ready);
