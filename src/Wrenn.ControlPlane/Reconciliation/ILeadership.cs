namespace Wrenn.ControlPlane.Reconciliation;

/// <summary>Whether this replica is the one that reconciles: one leader across every replica of a database.</summary>
public interface ILeadership
{
    /// <summary>True while this replica holds the leadership; tries to take it when free.</summary>
    Task<bool> IsLeaderAsync(CancellationToken cancellationToken);
}
