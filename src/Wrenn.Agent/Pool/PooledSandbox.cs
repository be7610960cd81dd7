using Wrenn.Agent.Sandboxes;

namespace Wrenn.Agent.Pool;

/// <summary>A ready sandbox in the pool: what it is, and the stamp of what it was made of.</summary>
public sealed record PooledSandbox(Sandbox Sandbox, PoolKey Key, string Stamp);
