using System.Security.Claims;
using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Quotas;

namespace Wrenn.ControlPlane.Api;

/// <summary>/v1/teams/{team_id}/quotas: a team's limits and usage, read by its owners, set by administrators.</summary>
public static class QuotasApi
{
    public static void MapQuotasApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/teams/{teamId}/quotas").RequireAuthorization(AuthSchemes.AccountPolicy);
        group.MapGet("/", GetAsync);
        group.MapPut("/", SetAsync);
    }

    private static async Task<IResult> GetAsync(string teamId, ClaimsPrincipal caller, WrennDbContext db, TeamQuotas quotas, CancellationToken cancellationToken)
    {
        var userId = CurrentUser.Id(caller);
        if (!await Administrators.IsAdminAsync(db, userId, cancellationToken).ConfigureAwait(false))
        {
            var role = await TeamsApi.RoleAsync(db, teamId, userId, cancellationToken).ConfigureAwait(false);
            if (role is null)
            {
                return ApiResults.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"team {teamId} not found");
            }

            if (role != UserTeamEntity.OwnerRole)
            {
                return ApiResults.Error(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "only the team's owners and administrators see its quotas");
            }
        }

        return await AnswerAsync(teamId, quotas, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IResult> SetAsync(string teamId, HttpRequest request, ClaimsPrincipal caller, WrennDbContext db, TeamQuotas quotas, IAuditLog audit, TimeProvider clock)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        if (!await Administrators.IsAdminAsync(db, CurrentUser.Id(caller), cancellationToken).ConfigureAwait(false))
        {
            return ApiResults.Error(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "only administrators set quotas");
        }

        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.SetQuotasRequest, new SetQuotasRequest(null, null, null, null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (new QuotaLimits(body!.Sandboxes ?? 0, body.Vcpus ?? 0, body.MemoryMb ?? 0, body.Templates ?? 0, body.TemplateBytes ?? 0).Check() is { } broken)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, broken);
        }

        if (await db.Teams.FindAsync([teamId], cancellationToken).ConfigureAwait(false) is null)
        {
            return ApiResults.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"team {teamId} not found");
        }

        var row = await db.TeamQuotas.FindAsync([teamId], cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            row = new TeamQuotaEntity { TeamId = teamId };
            db.TeamQuotas.Add(row);
        }

        row.Sandboxes = body.Sandboxes;
        row.Vcpus = body.Vcpus;
        row.MemoryMb = body.MemoryMb;
        row.Templates = body.Templates;
        row.TemplateBytes = body.TemplateBytes;
        row.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(
            request.HttpContext,
            AuditActions.QuotasChanged,
            teamId,
            teamId,
            $"sandboxes={body.Sandboxes} vcpus={body.Vcpus} memory_mb={body.MemoryMb} templates={body.Templates} template_bytes={body.TemplateBytes}").ConfigureAwait(false);
        return await AnswerAsync(teamId, quotas, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IResult> AnswerAsync(string teamId, TeamQuotas quotas, CancellationToken cancellationToken)
    {
        var (limits, usage) = await quotas.LimitsAndUsageAsync(teamId, cancellationToken).ConfigureAwait(false);
        return ApiResults.Json(new TeamQuotasResponse(teamId, limits, usage), ControlPlaneJsonContext.Default.TeamQuotasResponse);
    }
}
