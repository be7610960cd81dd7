using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Data;

namespace Wrenn.ControlPlane.Auth;

/// <summary>
/// Gives a user session the team it acts for on sandbox endpoints: the team named in X-Team-Id (the
/// user must belong to it), or the user's only team. API keys carry their team already.
/// </summary>
public sealed class TeamScopeFilter(WrennDbContext db) : IEndpointFilter
{
    public const string HeaderName = "X-Team-Id";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var user = context.HttpContext.User;
        if (user.FindFirstValue(WrennClaims.TeamId) is not null)
        {
            return await next(context).ConfigureAwait(false);
        }

        var userId = user.FindFirstValue("sub");
        if (userId is null)
        {
            return ApiResults.Error(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "no credentials");
        }

        var cancellationToken = context.HttpContext.RequestAborted;
        var teams = await db.UsersTeams.Where(m => m.UserId == userId).Select(m => m.TeamId).ToListAsync(cancellationToken).ConfigureAwait(false);
        var requested = context.HttpContext.Request.Headers[HeaderName].ToString();
        string teamId;
        if (requested.Length > 0)
        {
            if (!teams.Contains(requested))
            {
                // Not a member: the same answer as a team that does not exist.
                return ApiResults.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"team {requested} not found");
            }

            teamId = requested;
        }
        else if (teams.Count == 1)
        {
            teamId = teams[0];
        }
        else
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, $"you belong to {teams.Count} teams; name one in the {HeaderName} header");
        }

        user.AddIdentity(new ClaimsIdentity([new Claim(WrennClaims.TeamId, teamId)]));
        return await next(context).ConfigureAwait(false);
    }
}
