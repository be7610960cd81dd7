using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Wrenn.Common.Configuration;
using Wrenn.Telemetry;
using Wrenn.Tests.Shared;

namespace Wrenn.ControlPlane.Tests.Telemetry;

/// <summary>
/// The control plane's <c>/metrics</c> listener and trace propagation, on a real control plane whose host
/// is an <see cref="InMemoryHostAgent"/> (the platform-wide trace, with a real agent, is the e2e TelemetryTests).
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class ControlPlaneTelemetryTests : IAsyncLifetime
{
    private readonly InMemoryHostAgent _host = new();
    private readonly int _metricsPort = FreeTcpPort.OnLoopback();
    private FakeAgent _agent = null!;
    private RunningControlPlane _plane = null!;
    private string _apiKey = null!;

    public async ValueTask InitializeAsync()
    {
        _agent = await FakeAgent.StartAsync(_host);
        _plane = await RunningControlPlane.StartAsync(
            configure: RunningControlPlane.OpenSignup,
            telemetry: new TelemetryOptions
            {
                ServiceName = "wrenn-cp",
                MetricsListen = new ListenAddress("127.0.0.1", _metricsPort),
                MetricsVariable = TelemetryEnvironment.ControlPlaneMetricsListenAddress,
                Tracing = true,

                // Nothing listens there: spans are made and propagated, and their export fails quietly.
                OtlpEndpoint = new Uri($"http://127.0.0.1:{FreeTcpPort.OnLoopback()}"),
            });
        var api = new ControlPlaneApi(_plane);
        var (admin, _) = await api.AdminAsync();
        await api.RegisterHostAsync(admin, _agent.Address);
        _apiKey = await _plane.ApiKeyAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _plane.DisposeAsync();
        await _agent.DisposeAsync();
    }

    [Fact]
    public async Task A_create_moves_the_route_and_agent_call_metrics_and_its_trace_reaches_the_agent()
    {
        var ct = TestContext.Current.CancellationToken;
        using var scraper = new HttpClient();
        var metricsUrl = new Uri($"http://127.0.0.1:{_metricsPort}/metrics");
        var before = await scraper.GetStringAsync(metricsUrl, ct);

        // The caller's own trace (its HttpClient sends it as traceparent): the control plane continues it, and passes it on to the agent.
        using var caller = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start();
        var traceId = caller.TraceId.ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sandboxes") { Content = JsonContent.Create(new { template = "base" }) };
        request.Headers.Add("X-API-Key", _apiKey);
        using var response = await _plane.Http.SendAsync(request, ct);
        caller.Stop();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith($"00-{traceId}-", _host.LastCreateTraceparent, StringComparison.Ordinal);

        // ASP.NET Core records a request's duration once its response is sent, so the scrape may come first: ask again briefly.
        // At least one: other control planes this test process runs at the same time share the meters' names.
        (string, string)[] createRoute = [("http_route", "/v1/sandboxes/"), ("http_request_method", "POST"), ("http_response_status_code", "201")];
        (string, string)[] createCall = [("rpc_method", "CreateSandbox"), ("grpc_status", "OK")];
        double Moved(string after, string name, (string, string)[] labels) => PrometheusText.Sum(after, name, labels) - PrometheusText.Sum(before, name, labels);
        var after = await scraper.GetStringAsync(metricsUrl, ct);
        for (var i = 0; i < 50 && Moved(after, "http_server_request_duration_seconds_count", createRoute) < 1; i++)
        {
            await Task.Delay(100, ct);
            after = await scraper.GetStringAsync(metricsUrl, ct);
        }

        Assert.True(Moved(after, "http_server_request_duration_seconds_count", createRoute) >= 1, after);
        Assert.True(Moved(after, "wrenn_agent_call_duration_seconds_count", createCall) >= 1, after);
        Assert.True(PrometheusText.Sum(after, "wrenn_agent_call_duration_seconds_sum", ("rpc_method", "CreateSandbox")) > 0);

        // Only /metrics is served there.
        using var other = await scraper.GetAsync(new Uri($"http://127.0.0.1:{_metricsPort}/v1/sandboxes"), ct);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }
}
