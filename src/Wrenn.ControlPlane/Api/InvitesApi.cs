using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Accounts;
using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// /v1/invites: one-use sign-up codes. Administrators make them for anyone; when WRENN_SIGNUP is
/// invite or open, a team's owners make them for their team too (the new user joins it).
/// </summary>
public static class InvitesApi
{
    public static void MapInvitesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/invites").RequireAuthorization(AuthSchemes.AccountPolicy);
        group.MapPost("/", CreateAsync);
        group.MapGet("/", ListAsync);
        group.MapDelete("/{inviteId}", DeleteAsync);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, ClaimsPrincipal caller, WrennDbContext db, Invites invites, IAuditLog audit, IOptions<ControlPlaneOptions> options)
    {
        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.CreateInviteRequest, new CreateInviteRequest(null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        string? email = null;
        if (body!.Email is not null && (email = AccountRules.NormalizeEmail(body.Email)) is null)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "email must be an email address");
        }

        var cancellationToken = request.HttpContext.RequestAborted;
        var userId = CurrentUser.Id(caller);
        var teamId = body.TeamId is { Length: > 0 } named ? named : null;
        if (!await Administrators.IsAdminAsync(db, userId, cancellationToken).ConfigureAwait(false))
        {
            if (options.Value.Signup == SignupMode.Closed)
            {
                return ApiResults.Error(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "sign-up is closed: only administrators make invites");
            }

            if (teamId is null || await TeamsApi.RoleAsync(db, teamId, userId, cancellationToken).ConfigureAwait(false) != UserTeamEntity.OwnerRole)
            {
                return ApiResults.Error(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "only administrators, and a team's owners for that team (team_id), make invites");
            }
        }
        else if (teamId is not null && await db.Teams.FindAsync([teamId], cancellationToken).ConfigureAwait(false) is null)
        {
            return ApiResults.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"team {teamId} not found");
        }

        var (invite, code) = await invites.CreateAsync(userId, email, teamId, cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(request.HttpContext, AuditActions.InviteCreated, teamId, invite.Id, email is null ? "any email" : "for " + email).ConfigureAwait(false);
        return ApiResults.Json(ToResponse(invite) with { Code = code }, ControlPlaneJsonContext.Default.InviteResponse, StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal caller, WrennDbContext db, CancellationToken cancellationToken)
    {
        var userId = CurrentUser.Id(caller);
        var query = db.Invites.AsNoTracking();
        if (!await Administrators.IsAdminAsync(db, userId, cancellationToken).ConfigureAwait(false))
        {
            query = query.Where(i => i.CreatedByUserId == userId);
        }

        var listed = await query.OrderBy(i => i.CreatedAt).ToListAsync(cancellationToken).ConfigureAwait(false);
        return ApiResults.Json(new InviteListResponse([.. listed.Select(ToResponse)]), ControlPlaneJsonContext.Default.InviteListResponse);
    }

    private static async Task<IResult> DeleteAsync(string inviteId, HttpContext http, ClaimsPrincipal caller, WrennDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        var userId = CurrentUser.Id(caller);
        var invite = await db.Invites.FindAsync([inviteId], cancellationToken).ConfigureAwait(false);
        if (invite is null || (invite.CreatedByUserId != userId && !await Administrators.IsAdminAsync(db, userId, cancellationToken).ConfigureAwait(false)))
        {
            return ApiResults.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"invite {inviteId} not found");
        }

        db.Invites.Remove(invite);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(http, AuditActions.InviteDeleted, invite.TeamId, invite.Id).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static InviteResponse ToResponse(InviteEntity invite) => new(
        invite.Id,
        invite.Email,
        invite.TeamId,
        invite.CreatedByUserId,
        DateTime.SpecifyKind(invite.CreatedAt, DateTimeKind.Utc),
        DateTime.SpecifyKind(invite.ExpiresAt, DateTimeKind.Utc),
        invite.UsedAt is { } used ? DateTime.SpecifyKind(used, DateTimeKind.Utc) : null,
        invite.UsedByUserId);
}
