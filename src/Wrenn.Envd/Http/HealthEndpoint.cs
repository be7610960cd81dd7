namespace Wrenn.Envd.Http;

/// <summary>GET /health: 204 while envd serves, with its versions (<see cref="VersionHeaders"/>).</summary>
public static class HealthEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/health", (HttpContext http) =>
        {
            VersionHeaders.Add(http.Response);
            return Results.NoContent();
        });
}
