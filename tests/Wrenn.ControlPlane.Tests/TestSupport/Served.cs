using Microsoft.AspNetCore.Builder;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>A small web app a test started on a loopback port, and a client for it (no redirects followed).</summary>
public sealed class Served(WebApplication app, HttpClient http) : IAsyncDisposable
{
    public HttpClient Http { get; } = http;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
