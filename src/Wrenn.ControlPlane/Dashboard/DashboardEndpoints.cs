using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Api;

namespace Wrenn.ControlPlane.Dashboard;

/// <summary>
/// Serves the web console at /dashboard/: its files by name, and index.html for every other path under
/// it (the console routes in the browser, so deep links must load the app). / redirects there. Misses
/// under /v1/ keep answering the API's JSON 404 (405 with Allow for a known path asked with another method), never the console.
/// </summary>
public static class DashboardEndpoints
{
    public const string Prefix = "/dashboard/";

    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Results.Redirect(Prefix)).ExcludeFromDescription();
        // Routing matches "/dashboard/" to this pattern too: only the bare path is redirected.
        app.MapMethods("/dashboard", [HttpMethods.Get, HttpMethods.Head], (HttpContext http, DashboardAssets assets) =>
            http.Request.Path.Value!.EndsWith('/') ? Serve(http, assets, string.Empty) : Results.Redirect(Prefix)).ExcludeFromDescription();
        app.MapMethods(Prefix + "{**path}", [HttpMethods.Get, HttpMethods.Head], Serve).ExcludeFromDescription();
        // Every route the app has (the collection fills as the other Map calls run; read on the first miss).
        var routes = new ApiRouteMethods(new CompositeEndpointDataSource(app.DataSources));
        app.MapFallback("/v1/{**path}", (HttpContext http) =>
        {
            var allowed = routes.AllowedAt(http.Request.Path);
            if (allowed.Count == 0)
            {
                return ApiResults.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"no such API route: {http.Request.Method} {http.Request.Path}");
            }

            http.Response.Headers.Allow = string.Join(", ", allowed);
            return ApiResults.Error(StatusCodes.Status405MethodNotAllowed, ErrorCodes.MethodNotAllowed, $"{http.Request.Path} does not take {http.Request.Method}; it takes {string.Join(", ", allowed)}");
        });
    }

    private static IResult Serve(HttpContext http, DashboardAssets assets, string? path)
    {
        var response = http.Response;
        DashboardHeaders.Apply(response);
        if (!assets.Built)
        {
            response.Headers.CacheControl = "no-store";
            return Results.Content(DashboardAssets.NotBuiltPage, "text/html; charset=utf-8", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        path ??= string.Empty;
        var asset = assets.Find(path);
        if (asset is null)
        {
            // A missing hashed file is a real miss (an old page asking for a file a new build replaced);
            // anything else is a page of the app.
            if (path.StartsWith("assets/", StringComparison.Ordinal) || Path.HasExtension(path))
            {
                response.Headers.CacheControl = "no-store";
                return Results.Text("not found", "text/plain; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
            }

            asset = assets.Find(DashboardAssets.IndexPath)!;
        }

        response.Headers.CacheControl = asset.Immutable ? "public, max-age=31536000, immutable" : "no-cache";
        response.Headers.ETag = asset.ETag;
        if (http.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }
}
