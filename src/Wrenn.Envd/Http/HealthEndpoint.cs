namespace Wrenn.Envd.Http;

/// <summary>GET /health: 204 while envd serves.</summary>
public static class HealthEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/health", (HttpContext http) =>
        {
            http.Response.Headers["X-Envd-Version"] = EnvdVersion.Current;
            return Results.NoContent();
        });
}
