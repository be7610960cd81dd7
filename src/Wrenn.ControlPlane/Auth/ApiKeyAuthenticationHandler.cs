using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.Common.Errors;
using Wrenn.Common.Ids;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Data;

namespace Wrenn.ControlPlane.Auth;

/// <summary>
/// Authenticates X-API-Key (any case of the header name, as E2B's X-API-KEY) against the hashes in
/// team_api_keys; the caller becomes that key's team. A key may be spelled wrn_&lt;hex&gt; or e2b_&lt;hex&gt;.
/// A key verified moments ago is taken from the <see cref="ApiKeyCache"/> without a database read.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<ApiKeyAuthenticationOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    WrennDbContext db,
    ApiKeyCache cache,
    TimeProvider clock)
    : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // Only ever from the header: a key in a URL ends up in logs and histories. Browsers, which
        // cannot set headers on a WebSocket, use a one-time ticket (ExecTicketAuthenticationHandler).
        var presented = Request.Headers[ApiKeyAuthenticationOptions.HeaderName].ToString().Trim();

        if (presented.Length == 0)
        {
            return AuthenticateResult.NoResult();
        }

        // E2B's SDKs send the same key as e2b_<hex> (see WrennIds.E2bApiKeyPrefix).
        if (WrennIds.CanonicalApiKey(presented) is not { } key)
        {
            return AuthenticateResult.Fail("malformed API key");
        }

        var hash = ApiKeyHasher.Hash(key);
        var now = clock.GetUtcNow().UtcDateTime;
        if (!cache.TryGet(hash, now, out var known))
        {
            var generation = cache.Generation;
            var stored = await db.TeamApiKeys.AsNoTracking()
                .Where(k => k.KeyHash == hash)
                .Select(k => new { k.Id, k.TeamId, k.LastUsedAt })
                .SingleOrDefaultAsync(Context.RequestAborted).ConfigureAwait(false);
            if (stored is null)
            {
                return AuthenticateResult.Fail("unknown API key");
            }

            known = new CachedApiKey(stored.Id, stored.TeamId, stored.LastUsedAt, now);
            cache.Remember(hash, known, generation);
        }

        if (known.LastUsedAt is null || now - known.LastUsedAt > Options.LastUsedResolution)
        {
            // One UPDATE, no read: the row was read above or moments ago.
            await db.TeamApiKeys.Where(k => k.Id == known.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted).ConfigureAwait(false);
            cache.MarkUsed(hash, known, now);
        }

        var identity = new ClaimsIdentity(
            [new Claim(WrennClaims.TeamId, known.TeamId), new Claim(WrennClaims.ApiKeyId, known.Id)],
            Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Response.HasStarted)
        {
            return;
        }

        var failure = (await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false)).Failure;
        var message = failure is null
            ? $"missing {ApiKeyAuthenticationOptions.HeaderName} header"
            : $"invalid {ApiKeyAuthenticationOptions.HeaderName}: {failure.Message}";
        await ApiResults.WriteErrorAsync(Context, StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, message).ConfigureAwait(false);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiResults.WriteErrorAsync(Context, StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "this key may not do that");
}
