using Wrenn.Envd.Hosting;

namespace Wrenn.Envd.Http;

/// <summary>GET /health: 204 while envd serves, with its versions (<see cref="VersionHeaders"/>).</summary>
public static class HealthEndpoint
{
    public static void Map(RouteTable routes) =>
        routes.MapRequest(HttpMethods.Get, "/health", http =>
        {
            VersionHeaders.Add(http.Response);
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        });
}
