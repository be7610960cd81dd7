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
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<ApiKeyAuthenticationOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    WrennDbContext db,
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
        var stored = await db.TeamApiKeys.SingleOrDefaultAsync(k => k.KeyHash == hash, Context.RequestAborted).ConfigureAwait(false);
        if (stored is null)
        {
            return AuthenticateResult.Fail("unknown API key");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (stored.LastUsedAt is null || now - stored.LastUsedAt > Options.LastUsedResolution)
        {
            stored.LastUsedAt = now;
            await db.SaveChangesAsync(Context.RequestAborted).ConfigureAwait(false);
        }

        var identity = new ClaimsIdentity(
            [new Claim(WrennClaims.TeamId, stored.TeamId), new Claim(WrennClaims.ApiKeyId, stored.Id)],
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
