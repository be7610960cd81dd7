using System.Net;
using System.Text.Json;
using Wrenn.ControlPlane.Proxy;

namespace Wrenn.ControlPlane.Tests.Proxy;

/// <summary>
/// The proxy's lookup cache inside a real control plane: pausing, resuming or killing a sandbox takes
/// effect on the next proxied request, not when the cache entry expires. (A frozen container still
/// accepts connections: a request sent to it from a stale cache entry hung until the idle timeout.)
/// </summary>
public sealed class ProxyLookupStateTests : IAsyncLifetime
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });
    private InMemoryAgentPlane _setup = null!;
    private InMemoryHostAgent _agent = null!;
    private RunningControlPlane _plane = null!;
    private ControlPlaneApi _api = null!;
    private LoopbackUpstream _upstream = null!;
    private int _proxyPort;
    private string _key = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _upstream = await LoopbackUpstream.StartAsync();
        _proxyPort = FreeTcpPort.OnLoopback();
        _setup = await InMemoryAgentPlane.StartAsync(options =>
        {
            // Far longer than the test: only invalidation can make the proxy see a change.
            options.Proxy = new SandboxProxyOptions { ListenAddress = $"127.0.0.1:{_proxyPort}", Domain = "sandbox.test", LookupCacheLifetime = TimeSpan.FromHours(1) };
            options.ReconcileInterval = TimeSpan.FromHours(1);
        });
        (_agent, _plane, _api, _key) = (_setup.Agent, _setup.Plane, _setup.Api, _setup.Key);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _setup.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Pause_resume_and_kill_reach_the_proxy_at_once()
    {
        var id = (await _api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { }, HttpStatusCode.Created, apiKey: _key)).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await ProxiedAsync(id)).Status);

        await _api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/pause", null, HttpStatusCode.OK, apiKey: _key);
        var paused = await ProxiedAsync(id);
        Assert.Equal(HttpStatusCode.BadGateway, paused.Status);
        Assert.Contains("paused", paused.Body, StringComparison.Ordinal);

        await _api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/resume", null, HttpStatusCode.OK, apiKey: _key);
        Assert.Equal(HttpStatusCode.OK, (await ProxiedAsync(id)).Status);

        await _api.SendAsync(HttpMethod.Delete, $"/v1/sandboxes/{id}", null, HttpStatusCode.NoContent, apiKey: _key);
        var killed = await ProxiedAsync(id);
        Assert.Equal(HttpStatusCode.BadGateway, killed.Status);
        Assert.Equal(id, JsonDocument.Parse(killed.Body).RootElement.GetProperty("sandboxId").GetString());
    }

    [Fact]
    public async Task A_burst_of_first_requests_shares_one_lookup()
    {
        var id = (await _api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { }, HttpStatusCode.Created, apiKey: _key)).GetProperty("id").GetString()!;

        // A slow host: every request of the burst arrives while the first lookup is still waiting for it.
        _agent.ListDelay = TimeSpan.FromMilliseconds(500);
        var listsBefore = _agent.ListCalls;
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ProxiedAsync(id)));

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
        Assert.Equal(1, _agent.ListCalls - listsBefore);
    }

    private async Task<(HttpStatusCode Status, string Body)> ProxiedAsync(string sandboxId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{_proxyPort}/hello"));
        request.Headers.Host = $"{_upstream.Port}-{sandboxId}.sandbox.test";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        using var response = await _http.SendAsync(request, timeout.Token);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(timeout.Token));
    }
}
