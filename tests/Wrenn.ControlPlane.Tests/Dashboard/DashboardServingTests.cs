using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Wrenn.ControlPlane.Dashboard;

namespace Wrenn.ControlPlane.Tests.Dashboard;

/// <summary>
/// How wrenn-cp serves the web console: files from its binary, deep links answered with the app, /
/// redirected, /v1 misses still JSON, and the headers that keep the pages safe. The console's files are
/// a small stand-in embedded in this test assembly, so npm is not needed here.
/// </summary>
public sealed class DashboardServingTests
{
    [Fact]
    public async Task A_deep_link_gets_the_app_uncached_with_the_security_headers()
    {
        await using var server = await ServeAsync(new DashboardAssets(typeof(DashboardServingTests).Assembly));
        using var response = await server.Http.GetAsync(new Uri("/dashboard/sandboxes/sb-0123456789abcdef", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("fixture console", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        var scripts = policy.Split(';').Select(p => p.Trim()).Single(p => p.StartsWith("script-src ", StringComparison.Ordinal));
        Assert.Equal("script-src 'self'", scripts);
    }

    [Fact]
    public async Task The_app_root_and_hashed_assets_are_served_and_assets_are_cached_for_good()
    {
        await using var server = await ServeAsync(new DashboardAssets(typeof(DashboardServingTests).Assembly));
        var ct = TestContext.Current.CancellationToken;

        using var root = await server.Http.GetAsync(new Uri("/dashboard/", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        Assert.Contains("fixture console", await root.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        using var script = await server.Http.GetAsync(new Uri("/dashboard/assets/app-0a1b2c3d.js", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("console.log(\"fixture\");\n", await script.Content.ReadAsStringAsync(ct));
        Assert.Contains("javascript", script.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.True(script.Headers.CacheControl?.Public);
        Assert.Equal(TimeSpan.FromDays(365), script.Headers.CacheControl?.MaxAge);
        Assert.Contains("immutable", script.Headers.CacheControl?.ToString(), StringComparison.Ordinal);

        using var again = new HttpRequestMessage(HttpMethod.Get, new Uri("/dashboard/assets/app-0a1b2c3d.js", UriKind.Relative));
        again.Headers.IfNoneMatch.Add(script.Headers.ETag!);
        using var notModified = await server.Http.SendAsync(again, ct);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        // A file an older build named is a miss, not the app (a browser would run HTML as a script).
        using var gone = await server.Http.GetAsync(new Uri("/dashboard/assets/app-ffffffff.js", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task The_root_redirects_to_the_dashboard_and_API_misses_stay_JSON()
    {
        await using var server = await ServeAsync(new DashboardAssets(typeof(DashboardServingTests).Assembly));
        var ct = TestContext.Current.CancellationToken;

        using var root = await server.Http.GetAsync(new Uri("/", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/dashboard/", root.Headers.Location?.OriginalString);

        using var miss = await server.Http.GetAsync(new Uri("/v1/no-such-route/at-all", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.NotFound, miss.StatusCode);
        Assert.Equal("application/json", miss.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await miss.Content.ReadAsStringAsync(ct));
        Assert.Equal("not_found", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_binary_built_without_the_dashboard_says_how_to_build_it()
    {
        // An assembly with no console files in it, as `dotnet build` makes before `make build` ran npm.
        await using var server = await ServeAsync(new DashboardAssets(typeof(object).Assembly));
        var ct = TestContext.Current.CancellationToken;

        using var page = await server.Http.GetAsync(new Uri("/dashboard/sandboxes", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        Assert.Contains("make build", await page.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(page.Headers.GetValues("X-Content-Type-Options")));
    }

    private static async Task<Served> ServeAsync(DashboardAssets assets)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(assets);
        var app = builder.Build();
        app.MapDashboard();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(address) };
        return new Served(app, http);
    }
}
