using System.Security.Claims;

namespace Wrenn.ControlPlane.Auth;

/// <summary>The signed-in user behind a session token.</summary>
public static class CurrentUser
{
    public static string Id(ClaimsPrincipal principal) =>
        principal.FindFirstValue("sub") ?? throw new InvalidOperationException("no user on this request; is the endpoint behind the accounts policy?");

    /// <summary>The session (the token's jti) the request was made with.</summary>
    public static string SessionId(ClaimsPrincipal principal) =>
        principal.FindFirstValue("jti") ?? throw new InvalidOperationException("no session on this request; is the endpoint behind the accounts policy?");
}
