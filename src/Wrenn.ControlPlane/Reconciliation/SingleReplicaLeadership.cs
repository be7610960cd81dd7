namespace Wrenn.ControlPlane.Reconciliation;

/// <summary>SQLite is one control plane's own file: that control plane always leads.</summary>
public sealed class SingleReplicaLeadership : ILeadership
{
    public Task<bool> IsLeaderAsync(CancellationToken cancellationToken) => Task.FromResult(true);
}
