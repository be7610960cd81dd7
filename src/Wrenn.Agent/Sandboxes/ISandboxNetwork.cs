using Wrenn.Agent.Network;
using Wrenn.Agent.Operations;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// What the sandbox code needs of the host network (<see cref="SandboxNetworkManager"/>): a slot per
/// sandbox. An interface so that table, pool and recovery logic run in tests without root.
/// </summary>
public interface ISandboxNetwork
{
    /// <summary>Claims a free slot and wires its network; every step is registered on <paramref name="rollback"/>.</summary>
    Task<SlotAddresses> CreateAsync(RollbackList rollback, CancellationToken cancellationToken);

    /// <summary>Removes the slot's network; the errors of the steps that failed (empty when all went).</summary>
    Task<IReadOnlyList<Exception>> RemoveAsync(SlotAddresses slot, CancellationToken cancellationToken);

    /// <summary>Marks a slot found on disk (from an earlier run) as taken.</summary>
    SlotAddresses Reserve(int index);
}
