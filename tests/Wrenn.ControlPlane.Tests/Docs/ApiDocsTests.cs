using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Wrenn.ControlPlane.Api;
using YamlDotNet.RepresentationModel;

namespace Wrenn.ControlPlane.Tests.Docs;

/// <summary>/openapi.yaml describes the API as it is served, and /docs and /test are there.</summary>
public sealed class ApiDocsTests
{
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    [Fact]
    public void The_OpenAPI_document_describes_exactly_the_routes_the_API_serves()
    {
        var wrennDir = Directory.CreateTempSubdirectory("wrenn-cp-routes-").FullName;
        try
        {
            var builder = WebApplication.CreateSlimBuilder();
            ControlPlaneHost.ConfigureServices(builder.Services, new ControlPlaneOptions { WrennDir = wrennDir });
            using var app = builder.Build();
            ControlPlaneHost.MapRoutes(app);
            var served = ((IEndpointRouteBuilder)app).DataSources
                .SelectMany(source => source.Endpoints)
                .OfType<RouteEndpoint>()
                .Where(endpoint => !DocsApi.PagePaths.Contains(endpoint.RoutePattern.RawText!))
                .SelectMany(endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(method => $"{method} {Normalize(endpoint.RoutePattern.RawText!)}"))
                .Order(StringComparer.Ordinal)
                .ToList();

            var paths = (YamlMappingNode)Document()["paths"];
            var documented = paths.Children
                .SelectMany(path => ((YamlMappingNode)path.Value).Children.Keys
                    .Select(key => ((YamlScalarNode)key).Value!)
                    .Where(key => Methods.Contains(key))
                    .Select(method => $"{method.ToUpperInvariant()} {Normalize(((YamlScalarNode)path.Key).Value!)}"))
                .Order(StringComparer.Ordinal)
                .ToList();

            Assert.Equal(served, documented);
        }
        finally
        {
            Directory.Delete(wrennDir, recursive: true);
        }
    }

    [Fact]
    public void Every_reference_in_the_OpenAPI_document_resolves()
    {
        var root = Document();
        var references = new List<string>();
        Collect(root, references);
        Assert.NotEmpty(references);
        foreach (var reference in references.Distinct())
        {
            Assert.StartsWith("#/components/", reference, StringComparison.Ordinal);
            YamlNode node = root;
            foreach (var part in reference[2..].Split('/'))
            {
                Assert.True(node is YamlMappingNode mapping && mapping.Children.ContainsKey(new YamlScalarNode(part)), $"{reference} does not resolve");
                node = ((YamlMappingNode)node)[part];
            }
        }

        Assert.Equal("3.1.0", ((YamlScalarNode)root["openapi"]).Value);
    }

    [Fact]
    public async Task The_document_the_docs_page_and_the_test_page_are_served_without_a_key()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var plane = await RunningControlPlane.StartAsync();
        try
        {
            using var spec = await plane.Http.GetAsync(new Uri("/openapi.yaml", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, spec.StatusCode);
            Assert.Equal("application/yaml", spec.Content.Headers.ContentType?.MediaType);
            Assert.Equal(DocsApi.Resource("openapi.yaml"), await spec.Content.ReadAsStringAsync(ct));

            using var docs = await plane.Http.GetAsync(new Uri("/docs/index.html", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
            Assert.Contains("swagger-ui", await docs.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            using var docsConfig = await plane.Http.GetAsync(new Uri("/docs/index.js", UriKind.Relative), ct);
            Assert.Contains("/openapi.yaml", await docsConfig.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

            using var page = await plane.Http.GetAsync(new Uri("/test", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await page.Content.ReadAsStringAsync(ct);
            foreach (var control in new[] { "id=\"create\"", "id=\"exec\"", "id=\"pause\"", "id=\"resume\"", "id=\"destroy\"", "id=\"snapshot-create\"", "id=\"snapshot-list\"", "id=\"snapshot-delete\"" })
            {
                Assert.Contains(control, html, StringComparison.Ordinal);
            }
        }
        finally
        {
            await plane.StopAsync();
        }
    }

    private static YamlMappingNode Document()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(DocsApi.Resource("openapi.yaml")));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static void Collect(YamlNode node, List<string> references)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    if (((YamlScalarNode)key).Value == "$ref" && value is YamlScalarNode target)
                    {
                        references.Add(target.Value!);
                    }
                    else
                    {
                        Collect(value, references);
                    }
                }

                break;
            case YamlSequenceNode sequence:
                foreach (var child in sequence.Children)
                {
                    Collect(child, references);
                }

                break;
        }
    }

    /// <summary>Parameter names may differ ({id} vs {sandbox_id}); only where parameters are counts.</summary>
    private static string Normalize(string route) =>
        System.Text.RegularExpressions.Regex.Replace(route.TrimEnd('/'), @"\{[^}]+\}", "{}") is { Length: > 0 } trimmed ? trimmed : "/";
}
