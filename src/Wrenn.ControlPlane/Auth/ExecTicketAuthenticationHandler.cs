using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Api;

namespace Wrenn.ControlPlane.Auth;

/// <summary>
/// Authenticates an exec WebSocket upgrade by its <c>?ticket=</c> (from POST …/exec/ticket): the
/// caller becomes the team, key or user the ticket was issued to. Anything else, and any request that
/// is not a WebSocket upgrade of the ticket's own sandbox, is not this scheme's business.
/// </summary>
public sealed class ExecTicketAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ExecTickets tickets)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ExecTicket";
    public const string QueryName = "ticket";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Request.Query[QueryName].ToString();
        if (presented.Length == 0 || !Context.WebSockets.IsWebSocketRequest)
        {
            return AuthenticateResult.NoResult();
        }

        if (Request.RouteValues["id"] is not string sandboxId || !Request.Path.Value!.EndsWith("/exec/stream", StringComparison.Ordinal))
        {
            return AuthenticateResult.Fail("tickets are only for exec/stream");
        }

        var ticket = await tickets.RedeemAsync(presented, sandboxId, Context.RequestAborted).ConfigureAwait(false);
        if (ticket is null)
        {
            return AuthenticateResult.Fail("unknown, used or expired ticket, or one for another sandbox");
        }

        List<Claim> claims = [new(WrennClaims.TeamId, ticket.TeamId)];
        claims.Add(ticket.ApiKeyId is { } keyId ? new Claim(WrennClaims.ApiKeyId, keyId) : new Claim("sub", ticket.UserId!));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name)), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // Without a ticket the other schemes of the policy say what is missing.
        var failure = (await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false)).Failure;
        if (failure is null || Response.HasStarted)
        {
            return;
        }

        await ApiResults.WriteErrorAsync(Context, StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "invalid ticket: " + failure.Message).ConfigureAwait(false);
    }
}
