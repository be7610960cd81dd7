using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Wrenn.Common.Errors;
using Wrenn.Common.Ids;
using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// /v1/api-keys: a team's keys, managed with a user session (keys cannot make keys). The key itself
/// is shown once, in the answer to its creation; only its SHA-256 is stored. Only the team's owners
/// make and delete keys; a key goes when the member who made it leaves the team.
/// </summary>
public static class ApiKeysApi
{
    public static void MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/api-keys").RequireAuthorization(AuthSchemes.AccountPolicy).AddEndpointFilter<TeamScopeFilter>();
        group.MapPost("/", CreateAsync);
        group.MapGet("/", ListAsync);
        group.MapDelete("/{keyId}", DeleteAsync);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, ClaimsPrincipal caller, WrennDbContext db, IAuditLog audit, TimeProvider clock)
    {
        if (await RefuseUnlessManagerAsync(caller, db, request.HttpContext.RequestAborted).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.CreateApiKeyRequest, new CreateApiKeyRequest(null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (AccountRules.CheckName(body!.Name ?? "default", "name") is { } broken)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, broken);
        }

        var key = WrennIds.NewApiKey();
        var entity = new TeamApiKeyEntity
        {
            Id = "key-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            TeamId = caller.TeamId(),
            Name = (body.Name ?? "default").Trim(),
            KeyHash = ApiKeyHasher.Hash(key),
            Prefix = ApiKeyHasher.Prefix(key),
            CreatedByUserId = CurrentUser.Id(caller),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.TeamApiKeys.Add(entity);
        await db.SaveChangesAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        await audit.RecordAsync(request.HttpContext, AuditActions.ApiKeyCreated, entity.TeamId, entity.Id, entity.Name).ConfigureAwait(false);
        return ApiResults.Json(ToResponse(entity) with { Key = key }, ControlPlaneJsonContext.Default.ApiKeyResponse, StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal caller, WrennDbContext db, CancellationToken cancellationToken)
    {
        var teamId = caller.TeamId();
        var keys = await db.TeamApiKeys.AsNoTracking().Where(k => k.TeamId == teamId).OrderBy(k => k.CreatedAt).ToListAsync(cancellationToken).ConfigureAwait(false);
        return ApiResults.Json(new ApiKeyListResponse([.. keys.Select(ToResponse)]), ControlPlaneJsonContext.Default.ApiKeyListResponse);
    }

    private static async Task<IResult> DeleteAsync(string keyId, HttpContext http, ClaimsPrincipal caller, WrennDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (await RefuseUnlessManagerAsync(caller, db, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var teamId = caller.TeamId();
        var key = await db.TeamApiKeys.SingleOrDefaultAsync(k => k.Id == keyId && k.TeamId == teamId, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            return ApiResults.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"API key {keyId} not found");
        }

        db.TeamApiKeys.Remove(key);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(http, AuditActions.ApiKeyDeleted, key.TeamId, key.Id).ConfigureAwait(false);
        return Results.NoContent();
    }

    /// <summary>Keys act for the whole team: only its owners (and administrators among its members) make and remove them.</summary>
    private static async Task<IResult?> RefuseUnlessManagerAsync(ClaimsPrincipal caller, WrennDbContext db, CancellationToken cancellationToken)
    {
        var userId = CurrentUser.Id(caller);
        return await TeamsApi.RoleAsync(db, caller.TeamId(), userId, cancellationToken).ConfigureAwait(false) == UserTeamEntity.OwnerRole
               || await Administrators.IsAdminAsync(db, userId, cancellationToken).ConfigureAwait(false)
            ? null
            : ApiResults.Error(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "only the team's owners manage its API keys");
    }

    private static ApiKeyResponse ToResponse(TeamApiKeyEntity key) => new(
        key.Id,
        key.Name,
        key.Prefix,
        key.TeamId,
        key.CreatedByUserId,
        DateTime.SpecifyKind(key.CreatedAt, DateTimeKind.Utc),
        key.LastUsedAt is { } used ? DateTime.SpecifyKind(used, DateTimeKind.Utc) : null);
}
