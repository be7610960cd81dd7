using System.Security.Claims;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Api;

/// <summary>Builds the service's <see cref="Sandboxes.SandboxCaller"/> from an authenticated request.</summary>
public static class SandboxCallerExtensions
{
    public static SandboxCaller SandboxCaller(this HttpContext http) => new(
        http.User.TeamId(),
        http.User.FindFirstValue("sub"),
        http.User.FindFirstValue(WrennClaims.ApiKeyId),
        http.Connection.RemoteIpAddress?.ToString());
}
