using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Wrenn.ControlPlane.Auth;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// Authenticates E2B's routes with the same API keys as /v1 (the SDKs send <c>X-API-KEY</c>; header
/// names are case-insensitive), answering failures in E2B's error shape rather than Wrenn's envelope,
/// which is why these routes do not use the /v1 authorization policy and its challenge.
/// </summary>
public sealed class E2bAuthFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var result = await http.AuthenticateAsync(ApiKeyAuthenticationOptions.SchemeName).ConfigureAwait(false);
        if (!result.Succeeded || result.Principal.FindFirstValue(WrennClaims.TeamId) is null)
        {
            var message = result.Failure is null
                ? $"missing {ApiKeyAuthenticationOptions.HeaderName} header"
                : $"invalid {ApiKeyAuthenticationOptions.HeaderName}: {result.Failure.Message}";
            return E2bResults.Error(StatusCodes.Status401Unauthorized, message);
        }

        http.User = result.Principal;
        return await next(context).ConfigureAwait(false);
    }
}
