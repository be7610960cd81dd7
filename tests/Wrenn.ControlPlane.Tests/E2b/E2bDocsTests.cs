using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Wrenn.ControlPlane.E2b;

namespace Wrenn.ControlPlane.Tests.E2b;

/// <summary>docs/e2b.md lists exactly the E2B routes the control plane serves.</summary>
public sealed partial class E2bDocsTests
{
    [Fact]
    public void The_route_table_in_docs_e2b_md_is_exactly_the_E2B_routes_served()
    {
        var wrennDir = Directory.CreateTempSubdirectory("wrenn-cp-e2b-routes-").FullName;
        try
        {
            var builder = WebApplication.CreateSlimBuilder();
            ControlPlaneHost.ConfigureServices(builder.Services, new ControlPlaneOptions { WrennDir = wrennDir });
            using var app = builder.Build();
            app.MapE2bApi();
            var served = ((IEndpointRouteBuilder)app).DataSources
                .SelectMany(source => source.Endpoints)
                .OfType<RouteEndpoint>()
                .SelectMany(endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(method => $"{method} {endpoint.RoutePattern.RawText}"))
                .Order(StringComparer.Ordinal)
                .ToList();

            var documented = File.ReadAllLines(Path.Combine(RepoRoot(), "docs", "e2b.md"))
                .Select(line => RouteRow().Match(line))
                .Where(match => match.Success)
                .Select(match => $"{match.Groups[1].Value} {match.Groups[2].Value}")
                .Order(StringComparer.Ordinal)
                .ToList();

            Assert.NotEmpty(served);
            Assert.Equal(served, documented);
        }
        finally
        {
            Directory.Delete(wrennDir, recursive: true);
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Wrenn.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (Wrenn.slnx) not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \|")]
    private static partial Regex RouteRow();
}
