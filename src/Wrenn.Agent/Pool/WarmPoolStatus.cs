namespace Wrenn.Agent.Pool;

/// <summary>What the pool holds now (ready and being made), as the heartbeat reports it.</summary>
public sealed record WarmPoolStatus(int Sandboxes, long Vcpus, long MemoryMb);
