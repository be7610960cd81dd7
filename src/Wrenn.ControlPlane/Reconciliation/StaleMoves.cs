using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Reconciliation;

/// <summary>
/// One reconciler step: a move mark (<c>moving_to_host_id</c>) older than any move can last was left by a
/// control plane that stopped mid-move. The mark is cleared, so the room it reserved on the target is
/// free again and the sandbox may move or resume; the half-made copy on the target is then unwanted
/// there and destroyed by the same pass (<see cref="HostSandboxSync"/>).
/// </summary>
public sealed class StaleMoves(WrennDbContext db, ILogger logger)
{
    public async Task ReleaseAsync(DateTime staleBefore, CancellationToken cancellationToken)
    {
        var released = await db.Sandboxes
            .Where(s => s.MovingToHostId != null && (s.MovedAt == null || s.MovedAt < staleBefore))
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.MovingToHostId, (string?)null), cancellationToken)
            .ConfigureAwait(false);
        if (released > 0)
        {
            logger.StaleMovesReleased(released, staleBefore);
        }
    }
}
