using Swashbuckle.AspNetCore.SwaggerUI;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// The API describing itself: the OpenAPI 3.1 document at /openapi.yaml, interactive docs (Swagger UI,
/// served from the package, no outside assets) at /docs, and a page at /test that drives the main calls
/// from a browser. None needs a key; the calls the pages make do.
/// </summary>
public static class DocsApi
{
    public const string OpenApiPath = "/openapi.yaml";

    /// <summary>Routes that are pages about the API rather than the API; the OpenAPI document leaves them out.</summary>
    public static readonly IReadOnlySet<string> PagePaths = new HashSet<string>(StringComparer.Ordinal) { OpenApiPath, "/test" };

    public static void MapDocsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(OpenApiPath, () => Results.Text(Resource("openapi.yaml"), "application/yaml; charset=utf-8"));
        app.MapGet("/test", () => Results.Text(Resource("test.html"), "text/html; charset=utf-8"));
    }

    public static void UseWrennApiDocs(this IApplicationBuilder app) =>
        app.UseSwaggerUI(ui =>
        {
            ui.RoutePrefix = "docs";
            ui.DocumentTitle = "Wrenn API";
            ui.SwaggerEndpoint(OpenApiPath, "Wrenn API");
            ui.DefaultModelsExpandDepth(0);
            ui.DocExpansion(DocExpansion.List);
        });

    /// <summary>The text of an embedded file under Docs/.</summary>
    public static string Resource(string name)
    {
        using var stream = typeof(DocsApi).Assembly.GetManifestResourceStream("Wrenn.ControlPlane." + name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
