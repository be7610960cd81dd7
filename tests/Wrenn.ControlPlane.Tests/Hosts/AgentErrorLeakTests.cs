using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Core;

namespace Wrenn.ControlPlane.Tests.Hosts;

/// <summary>
/// An agent's unexpected failure (its message full of host paths and tool output) reaches the API
/// caller only as an error id; the details are in the control plane's log under that id. Errors the
/// agent raises on purpose keep their message.
/// </summary>
public sealed class AgentErrorLeakTests : IAsyncLifetime
{
    private const string HostPath = "/var/lib/wrenn/sandboxes/sb-0123456789abcdef/rootfs";

    private RunningControlPlane _plane = null!;
    private string _admin = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _plane = await RunningControlPlane.StartAsync();
        _admin = await _plane.AdminTokenAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _plane.DisposeAsync();
    }

    [Fact]
    public async Task An_internal_agent_failure_answers_an_error_id_and_logs_the_details_under_it()
    {
        var failure = new RpcException(new Status(StatusCode.Internal, $"runc create failed: open {HostPath}/etc/hosts: exit status 1, stderr: container_linux.go:380"));
        await using var agent = await FakeAgent.StartAsync(failure);
        var (status, error) = await HostMetricsThroughAsync(agent);

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("internal", error.GetProperty("code").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.DoesNotContain("/var/lib", message, StringComparison.Ordinal);
        Assert.DoesNotContain("runc", message, StringComparison.Ordinal);
        var errorId = Regex.Match(message, "err-[0-9a-f]{16}").Value;
        Assert.NotEmpty(errorId);
        Assert.Contains(_plane.Log.Lines, line => line.Contains(errorId, StringComparison.Ordinal) && line.Contains(HostPath, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_deliberate_not_found_keeps_its_message()
    {
        await using var agent = await FakeAgent.StartAsync(new RpcException(new Status(StatusCode.NotFound, "sandbox sb-0123456789abcdef not found")));
        var (status, error) = await HostMetricsThroughAsync(agent);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("sandbox sb-0123456789abcdef not found", error.GetProperty("message").GetString());
    }

    /// <summary>Registers a host at the fake agent's address and asks for its metrics, which the agent answers with its failure.</summary>
    private async Task<(HttpStatusCode Status, JsonElement Error)> HostMetricsThroughAsync(FakeAgent agent)
    {
        var ct = TestContext.Current.CancellationToken;
        using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/hosts");
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _admin);
        using var created = await _plane.Http.SendAsync(create, ct);
        var token = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("registration_token").GetString();
        using var registered = await _plane.Http.PostAsJsonAsync("/v1/hosts/register", new { token, address = agent.Address }, ct);
        var hostId = (await registered.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("host_id").GetString();

        using var metrics = new HttpRequestMessage(HttpMethod.Get, $"/v1/hosts/{hostId}/metrics");
        metrics.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _admin);
        using var response = await _plane.Http.SendAsync(metrics, ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return (response.StatusCode, body.GetProperty("error"));
    }
}
