using System.Security.Claims;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.E2b;

/// <summary>The sandbox service's caller for an E2B request (authenticated by <see cref="E2bAuthFilter"/>).</summary>
public static class E2bCaller
{
    public static SandboxCaller From(HttpContext http) => new(
        http.User.TeamId(),
        http.User.FindFirstValue("sub"),
        http.User.FindFirstValue(WrennClaims.ApiKeyId),
        http.Connection.RemoteIpAddress?.ToString());
}
