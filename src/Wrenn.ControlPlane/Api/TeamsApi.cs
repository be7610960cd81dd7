using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Wrenn.Common.Errors;
using Wrenn.Common.Ids;
using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Api;

/// <summary>/v1/teams: the caller's teams, new teams, and their members (owners manage members).</summary>
public static class TeamsApi
{
    public static void MapTeamsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/teams").RequireAuthorization(AuthSchemes.AccountPolicy);
        group.MapGet("/", ListAsync);
        group.MapPost("/", CreateAsync);
        group.MapGet("/{teamId}/members", MembersAsync);
        group.MapPost("/{teamId}/members", AddMemberAsync);
        group.MapDelete("/{teamId}/members/{userId}", RemoveMemberAsync);
    }

    public static async Task<IReadOnlyList<TeamResponse>> TeamsOfAsync(WrennDbContext db, string userId, CancellationToken cancellationToken)
    {
        var rows = await (from m in db.UsersTeams
                          join t in db.Teams on m.TeamId equals t.Id
                          where m.UserId == userId
                          orderby t.CreatedAt
                          select new { t.Id, t.Name, m.Role, t.CreatedAt }).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => new TeamResponse(r.Id, r.Name, r.Role, DateTime.SpecifyKind(r.CreatedAt, DateTimeKind.Utc)))];
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal caller, WrennDbContext db, CancellationToken cancellationToken) =>
        ApiResults.Json(new TeamListResponse(await TeamsOfAsync(db, CurrentUser.Id(caller), cancellationToken).ConfigureAwait(false)), ControlPlaneJsonContext.Default.TeamListResponse);

    private static async Task<IResult> CreateAsync(HttpRequest request, ClaimsPrincipal caller, WrennDbContext db, IAuditLog audit, TimeProvider clock)
    {
        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.CreateTeamRequest, new CreateTeamRequest(null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (AccountRules.CheckName(body!.Name, "name") is { } broken)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, broken);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var team = new TeamEntity { Id = WrennIds.NewTeamId(), Name = body.Name!.Trim(), CreatedAt = now };
        db.Teams.Add(team);
        db.UsersTeams.Add(new UserTeamEntity { UserId = CurrentUser.Id(caller), TeamId = team.Id, Role = UserTeamEntity.OwnerRole, CreatedAt = now });
        await db.SaveChangesAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        await audit.RecordAsync(request.HttpContext, AuditActions.TeamCreated, team.Id, team.Id, team.Name).ConfigureAwait(false);
        return ApiResults.Json(new TeamResponse(team.Id, team.Name, UserTeamEntity.OwnerRole, now), ControlPlaneJsonContext.Default.TeamResponse, StatusCodes.Status201Created);
    }

    private static async Task<IResult> MembersAsync(string teamId, ClaimsPrincipal caller, WrennDbContext db, CancellationToken cancellationToken)
    {
        if (await RoleAsync(db, teamId, CurrentUser.Id(caller), cancellationToken).ConfigureAwait(false) is null)
        {
            return NotFound(teamId);
        }

        var members = await (from m in db.UsersTeams
                             join u in db.Users on m.UserId equals u.Id
                             where m.TeamId == teamId
                             orderby m.CreatedAt
                             select new { u.Id, u.Email, m.Role, m.CreatedAt }).ToListAsync(cancellationToken).ConfigureAwait(false);
        return ApiResults.Json(
            new MemberListResponse([.. members.Select(m => new MemberResponse(m.Id, m.Email, m.Role, DateTime.SpecifyKind(m.CreatedAt, DateTimeKind.Utc)))]),
            ControlPlaneJsonContext.Default.MemberListResponse);
    }

    private static async Task<IResult> AddMemberAsync(string teamId, HttpRequest request, ClaimsPrincipal caller, WrennDbContext db, IAuditLog audit, TimeProvider clock)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var role = await RoleAsync(db, teamId, CurrentUser.Id(caller), cancellationToken).ConfigureAwait(false);
        if (role is null)
        {
            return NotFound(teamId);
        }

        if (role != UserTeamEntity.OwnerRole)
        {
            return ApiResults.Error(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "only the team's owners may add members");
        }

        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.AddMemberRequest, new AddMemberRequest(null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var newRole = body!.Role ?? UserTeamEntity.MemberRole;
        if (newRole is not (UserTeamEntity.MemberRole or UserTeamEntity.OwnerRole))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "role must be member or owner");
        }

        var email = AccountRules.NormalizeEmail(body.Email);
        var user = email is null ? null : await db.Users.SingleOrDefaultAsync(u => u.Email == email, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            return ApiResults.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "no account with that email; they must sign up first");
        }

        if (await db.UsersTeams.AnyAsync(m => m.TeamId == teamId && m.UserId == user.Id, cancellationToken).ConfigureAwait(false))
        {
            return ApiResults.Error(StatusCodes.Status409Conflict, ErrorCodes.Conflict, $"{email} is already in the team");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        db.UsersTeams.Add(new UserTeamEntity { UserId = user.Id, TeamId = teamId, Role = newRole, CreatedAt = now });
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(request.HttpContext, AuditActions.MemberAdded, teamId, user.Id, "role " + newRole).ConfigureAwait(false);
        return ApiResults.Json(new MemberResponse(user.Id, user.Email, newRole, now), ControlPlaneJsonContext.Default.MemberResponse, StatusCodes.Status201Created);
    }

    private static async Task<IResult> RemoveMemberAsync(string teamId, string userId, HttpContext http, ClaimsPrincipal caller, WrennDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        var me = CurrentUser.Id(caller);
        var role = await RoleAsync(db, teamId, me, cancellationToken).ConfigureAwait(false);
        if (role is null)
        {
            return NotFound(teamId);
        }

        // Owners remove anyone; members may only leave.
        if (role != UserTeamEntity.OwnerRole && userId != me)
        {
            return ApiResults.Error(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "only the team's owners may remove others");
        }

        var membership = await db.UsersTeams.SingleOrDefaultAsync(m => m.TeamId == teamId && m.UserId == userId, cancellationToken).ConfigureAwait(false);
        if (membership is null)
        {
            return ApiResults.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"user {userId} is not in team {teamId}");
        }

        if (membership.Role == UserTeamEntity.OwnerRole
            && await db.UsersTeams.CountAsync(m => m.TeamId == teamId && m.Role == UserTeamEntity.OwnerRole, cancellationToken).ConfigureAwait(false) == 1)
        {
            return ApiResults.Error(StatusCodes.Status409Conflict, ErrorCodes.Conflict, "a team keeps at least one owner");
        }

        // The keys the member made leave with them: a removed member must not keep acting for the team.
        var keys = await db.TeamApiKeys.Where(k => k.TeamId == teamId && k.CreatedByUserId == userId).ToListAsync(cancellationToken).ConfigureAwait(false);
        db.TeamApiKeys.RemoveRange(keys);
        db.UsersTeams.Remove(membership);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(http, AuditActions.MemberRemoved, teamId, userId, keys.Count == 0 ? null : "revoked keys " + string.Join(", ", keys.Select(k => k.Id))).ConfigureAwait(false);
        return Results.NoContent();
    }

    public static Task<string?> RoleAsync(WrennDbContext db, string teamId, string userId, CancellationToken cancellationToken) =>
        db.UsersTeams.Where(m => m.TeamId == teamId && m.UserId == userId).Select(m => m.Role).SingleOrDefaultAsync(cancellationToken);

    private static IResult NotFound(string teamId) => ApiResults.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"team {teamId} not found");
}
