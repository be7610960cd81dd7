using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Wrenn.Common.Errors;
using Wrenn.Common.Ids;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// Finds the caller's sandbox and the agent that runs it: the first step of every sandbox call.
/// Another team's sandbox, or a malformed id, is "not found": the API never confirms that it exists.
/// </summary>
public sealed class SandboxAccess(WrennDbContext db, AgentClientPool agents)
{
    /// <summary>The sandbox and its host's agent, or the error to answer with.</summary>
    public async Task<(SandboxEntity? Sandbox, Agent.HostAgent.HostAgentClient? Agent, IResult? Error)> FindAsync(
        ClaimsPrincipal caller,
        string id,
        CancellationToken cancellationToken,
        params string[] requiredStates)
    {
        var sandbox = await FindSandboxAsync(caller, id, cancellationToken).ConfigureAwait(false);
        if (sandbox is null)
        {
            return (null, null, NotFound(id));
        }

        if (requiredStates.Length > 0 && !requiredStates.Contains(sandbox.State))
        {
            return (sandbox, null, ApiResults.Error(StatusCodes.Status409Conflict, ErrorCodes.Conflict, $"sandbox {id} is {sandbox.State}, not {string.Join(" or ", requiredStates)}"));
        }

        var host = await db.Hosts.FindAsync([sandbox.HostId], cancellationToken).ConfigureAwait(false);
        return host is null
            ? (sandbox, null, ApiResults.Error(StatusCodes.Status502BadGateway, ErrorCodes.HostUnavailable, $"sandbox {id} has no host"))
            : (sandbox, agents.For(host), null);
    }

    public Task<SandboxEntity?> FindSandboxAsync(ClaimsPrincipal caller, string id, CancellationToken cancellationToken)
    {
        if (!WrennIds.IsSandboxId(id))
        {
            return Task.FromResult<SandboxEntity?>(null);
        }

        var teamId = caller.TeamId();
        return db.Sandboxes.SingleOrDefaultAsync(s => s.Id == id && s.TeamId == teamId, cancellationToken);
    }

    public static IResult NotFound(string id) =>
        ApiResults.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"sandbox {id} not found");
}
