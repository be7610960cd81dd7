using System.Security.Claims;

namespace Wrenn.ControlPlane.Auth;

/// <summary>Reads who is calling from the authenticated principal.</summary>
public static class CallerExtensions
{
    /// <summary>The caller's team; every query is scoped to it.</summary>
    public static string TeamId(this ClaimsPrincipal user) =>
        user.FindFirstValue(WrennClaims.TeamId) ?? throw new InvalidOperationException("caller has no team claim; is the endpoint authenticated?");
}
