using System.Buffers.Text;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// /v1/audit: the audit log, newest first. Administrators read every entry (or one team's with
/// <c>?team_id=</c>); a team's owners read their team's; nobody else reads any.
/// </summary>
public static class AuditApi
{
    public static void MapAuditApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/v1/audit", ListAsync).RequireAuthorization(AuthSchemes.AccountPolicy);

    private static async Task<IResult> ListAsync(HttpRequest request, ClaimsPrincipal caller, WrennDbContext db, CancellationToken cancellationToken)
    {
        if (!ListPaging.TryParseLimit(request.Query, out var limit))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, ListPaging.LimitRule);
        }

        long? before = null;
        if (request.Query["cursor"].ToString() is { Length: > 0 } cursorText)
        {
            before = DecodeCursor(cursorText);
            if (before is null)
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "cursor is not one this server gave out; pass next_cursor from the previous page as it was");
            }
        }

        var userId = CurrentUser.Id(caller);
        var teamId = request.Query["team_id"].ToString() is { Length: > 0 } named ? named : null;
        if (!await Administrators.IsAdminAsync(db, userId, cancellationToken).ConfigureAwait(false))
        {
            var owned = await db.UsersTeams.Where(m => m.UserId == userId && m.Role == UserTeamEntity.OwnerRole).Select(m => m.TeamId).ToListAsync(cancellationToken).ConfigureAwait(false);
            if (teamId is null && owned.Count == 1)
            {
                teamId = owned[0];
            }
            else if (teamId is null && owned.Count > 1)
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, $"you own {owned.Count} teams; name one with ?team_id=");
            }

            if (teamId is null || !owned.Contains(teamId))
            {
                return ApiResults.Error(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "only the team's owners and administrators read its audit log");
            }
        }

        var query = db.AuditLog.AsNoTracking();
        if (teamId is not null)
        {
            query = query.Where(a => a.TeamId == teamId);
        }

        if (before is { } cursor)
        {
            query = query.Where(a => a.Id < cursor);
        }

        var page = await query.OrderByDescending(a => a.Id).Take(limit + 1).ToListAsync(cancellationToken).ConfigureAwait(false);
        string? next = null;
        if (page.Count > limit)
        {
            page.RemoveAt(page.Count - 1);
            next = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(page[^1].Id.ToString(CultureInfo.InvariantCulture)));
        }

        return ApiResults.Json(new AuditListResponse([.. page.Select(ToResponse)], next), ControlPlaneJsonContext.Default.AuditListResponse);
    }

    private static long? DecodeCursor(string text)
    {
        try
        {
            return long.TryParse(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text)), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static AuditEventResponse ToResponse(AuditEventEntity entry) => new(
        entry.Id,
        DateTime.SpecifyKind(entry.At, DateTimeKind.Utc),
        entry.Action,
        entry.TeamId,
        entry.ActorUserId,
        entry.ActorApiKeyId,
        entry.TargetId,
        entry.Address,
        entry.Detail);
}
