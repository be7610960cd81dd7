namespace Wrenn.Agent.Pool;

/// <summary>What makes pooled sandboxes interchangeable: a create matching all three can take one.</summary>
public sealed record PoolKey(string Template, uint Vcpus, uint MemoryMb)
{
    public override string ToString() => $"{Template}:{Vcpus}:{MemoryMb}";
}
