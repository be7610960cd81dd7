namespace Wrenn.Agent.Network;

/// <summary>Every network slot of the configured range is taken: the host is full.</summary>
public sealed class NoFreeSlotException(int capacity)
    : Exception($"all {capacity} network slots are in use")
{
    public int Capacity { get; } = capacity;
}
