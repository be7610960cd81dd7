namespace Wrenn.Bench.Platform;

/// <summary>Whether the warm platform has a working pool, and if not, why (printed as the row's reason).</summary>
public sealed record PoolStatus(bool Available, string Reason);
