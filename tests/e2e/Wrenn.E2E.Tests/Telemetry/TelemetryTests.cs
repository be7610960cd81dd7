using System.Text.Json;
using Wrenn.Tests.Shared;

namespace Wrenn.E2E.Tests.Telemetry;

/// <summary>
/// docs/operations.md as an operator meets it: Prometheus <c>/metrics</c> on the control plane and the
/// agent move when a sandbox is made, a create's spans reach an OTLP collector as one trace from the
/// control plane through the agent to its steps, and <c>WRENN_LOG_FORMAT=json</c> writes one JSON
/// object per line with the sandbox's id in the scope of what the agent did for it.
/// </summary>
[Collection(OwnPlatformCollection.Name)]
public sealed class TelemetryTests
{
    [Fact]
    public async Task A_create_moves_the_metrics_reaches_the_collector_as_one_trace_and_logs_json_lines()
    {
        var ct = TestContext.Current.CancellationToken;
        using var collector = new OtlpTraceStub();
        var metricsPorts = FreeTcpPort.OnLoopback(2);
        var (cpMetrics, agentMetrics) = (metricsPorts[0], metricsPorts[1]);
        await using var platform = await RunningPlatform.StartAsync(ct, environment: new Dictionary<string, string>
        {
            ["WRENN_CP_METRICS_LISTEN_ADDR"] = $"127.0.0.1:{cpMetrics}",
            ["WRENN_AGENT_METRICS_LISTEN_ADDR"] = $"127.0.0.1:{agentMetrics}",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["WRENN_LOG_FORMAT"] = "json",
            ["WRENN_WARM_POOL"] = "off",
        });
        using var scraper = new HttpClient();
        var cpBefore = await scraper.GetStringAsync(new Uri($"http://127.0.0.1:{cpMetrics}/metrics"), ct);
        var agentBefore = await scraper.GetStringAsync(new Uri($"http://127.0.0.1:{agentMetrics}/metrics"), ct);

        var api = new PlatformCalls(platform);
        var id = await api.CreateSandboxAsync(new { vcpus = 1, memory_mb = 256 });
        try
        {
            var agentAfter = await scraper.GetStringAsync(new Uri($"http://127.0.0.1:{agentMetrics}/metrics"), ct);

            // Control plane: the API route's request count and the agent call's latency histogram. ASP.NET Core
            // records a request's duration once its response is sent, so the scrape may come first: ask again briefly.
            (string, string)[] createRoute = [("http_route", "/v1/sandboxes/"), ("http_request_method", "POST")];
            var cpAfter = await scraper.GetStringAsync(new Uri($"http://127.0.0.1:{cpMetrics}/metrics"), ct);
            for (var i = 0; i < 50 && PrometheusText.Sum(cpAfter, "http_server_request_duration_seconds_count", createRoute) <= PrometheusText.Sum(cpBefore, "http_server_request_duration_seconds_count", createRoute); i++)
            {
                await Task.Delay(100, ct);
                cpAfter = await scraper.GetStringAsync(new Uri($"http://127.0.0.1:{cpMetrics}/metrics"), ct);
            }

            Assert.Equal(1, PrometheusText.Sum(cpAfter, "http_server_request_duration_seconds_count", createRoute) - PrometheusText.Sum(cpBefore, "http_server_request_duration_seconds_count", createRoute));
            Assert.Equal(1, PrometheusText.Sum(cpAfter, "wrenn_agent_call_duration_seconds_count", ("rpc_method", "CreateSandbox")) - PrometheusText.Sum(cpBefore, "wrenn_agent_call_duration_seconds_count", ("rpc_method", "CreateSandbox")));

            // Agent: the create's duration by runtime, the running gauge, the capacity it was given.
            (string, string)[] create = [("operation", "create"), ("runtime", "container"), ("outcome", "ok")];
            Assert.Equal(1, PrometheusText.Sum(agentAfter, "wrenn_sandbox_operation_duration_seconds_count", create) - PrometheusText.Sum(agentBefore, "wrenn_sandbox_operation_duration_seconds_count", create));
            Assert.True(PrometheusText.Sum(agentAfter, "wrenn_sandbox_operation_duration_seconds_sum", create) > 0);
            Assert.Equal(1, PrometheusText.Sum(agentAfter, "wrenn_sandboxes", ("state", "running")));
            Assert.Equal(256L * 1024 * 1024, PrometheusText.Sum(agentAfter, "wrenn_host_memory_allocated_bytes"));
            Assert.Equal(1, PrometheusText.Sum(agentAfter, "wrenn_host_vcpus_allocated"));

            // One trace: the API request (control plane) → the CreateSandbox call the agent served → its steps.
            // The served call's span ends after its steps' and may come in a later export batch: wait for it too.
            var spans = await collector.WaitForAsync(
                all => all.Any(s => s.Service == "wrenn-cp" && s.Name.Contains("/v1/sandboxes", StringComparison.Ordinal))
                    && all.Any(s => s.Service == "wrenn-agent" && s.Scope == "Wrenn.Agent")
                    && all.Any(s => s.Service == "wrenn-agent" && s.Name.Contains("CreateSandbox", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30),
                ct);
            var request = spans.First(s => s.Service == "wrenn-cp" && s.Name.StartsWith("POST /v1/sandboxes", StringComparison.Ordinal));
            var trace = spans.Where(s => s.TraceId == request.TraceId).ToList();
            var served = Assert.Single(trace, s => s.Service == "wrenn-agent" && s.Name.Contains("CreateSandbox", StringComparison.Ordinal));
            Assert.Contains(trace, s => s.Service == "wrenn-cp" && s.SpanId == served.ParentSpanId);
            var steps = trace.Where(s => s.Service == "wrenn-agent" && s.Scope == "Wrenn.Agent").ToList();
            Assert.Contains(steps, s => s.Name == "container.run");
            Assert.All(steps, s => Assert.Contains(trace, parent => parent.SpanId == s.ParentSpanId && parent.Service == "wrenn-agent"));
        }
        finally
        {
            await api.DeleteSandboxQuietlyAsync(id);
        }

        // Every line of both logs is one JSON object; the agent's lines about the create carry its id.
        var agentLines = JsonLines(Path.Combine(platform.WrennDir, "logs", "agent.log"));
        _ = JsonLines(Path.Combine(platform.WrennDir, "logs", "control-plane.log"));
        Assert.Contains(agentLines, line =>
            line.TryGetProperty("Scopes", out var scopes)
            && scopes.EnumerateArray().Any(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("SandboxId", out var sandbox) && sandbox.GetString() == id)
            && line.GetProperty("Message").GetString()!.StartsWith("create " + id, StringComparison.Ordinal));
    }

    private static List<JsonElement> JsonLines(string path)
    {
        var lines = new List<JsonElement>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                using var parsed = JsonDocument.Parse(line);
                Assert.Equal(JsonValueKind.Object, parsed.RootElement.ValueKind);
                lines.Add(parsed.RootElement.Clone());
            }
            catch (JsonException ex)
            {
                Assert.Fail($"{Path.GetFileName(path)}: not one JSON object: {line} ({ex.Message})");
            }
        }

        Assert.NotEmpty(lines);
        return lines;
    }
}
