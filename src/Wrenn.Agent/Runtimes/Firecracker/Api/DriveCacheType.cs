namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>How Firecracker caches a block device; <see cref="Unsafe"/> (its default) never flushes to the host.</summary>
public enum DriveCacheType
{
    Unsafe,
    Writeback,
}
