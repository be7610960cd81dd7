namespace Wrenn.Agent.Runtimes;

/// <summary>A sandbox's CPU and memory use as the host sees it (disk is the storage layer's to say).</summary>
/// <param name="CpuTime">CPU time used since the sandbox started.</param>
/// <param name="MemoryLimitBytes">0 when unknown.</param>
public sealed record RuntimeUsage(TimeSpan CpuTime, long MemoryUsedBytes, long MemoryLimitBytes);
