using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// The waker the proxy falls back on where the sandbox service registers none: it answers from the
/// stored state and resumes nothing (a paused sandbox is <see cref="SandboxWakeOutcome.Paused"/>).
/// The sandbox service's waker, registered first, replaces it.
/// </summary>
public sealed class StoredStateSandboxWaker(WrennDbContext db) : ISandboxWaker
{
    public async Task<SandboxWakeResult> EnsureRunningAsync(string sandboxId, string? teamId, CancellationToken cancellationToken)
    {
        var sandbox = await db.Sandboxes.AsNoTracking()
            .FirstOrDefaultAsync(s => s.Id == sandboxId && (teamId == null || s.TeamId == teamId), cancellationToken).ConfigureAwait(false);
        return sandbox?.State switch
        {
            SandboxStates.Running => new SandboxWakeResult(SandboxWakeOutcome.Running, sandbox),
            SandboxStates.Paused => new SandboxWakeResult(SandboxWakeOutcome.Paused, null, "the sandbox is paused"),
            null or SandboxStates.Stopped => new SandboxWakeResult(SandboxWakeOutcome.NotFound, null, "no such sandbox"),
            _ => new SandboxWakeResult(SandboxWakeOutcome.Unavailable, null, $"the sandbox is {sandbox.State}"),
        };
    }
}
