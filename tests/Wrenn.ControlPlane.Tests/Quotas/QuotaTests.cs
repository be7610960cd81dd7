using System.Net;
using System.Net.Http.Json;

namespace Wrenn.ControlPlane.Tests.Quotas;

/// <summary>
/// Per-team quotas on a real control plane whose only host is a listener that counts connections:
/// a create over quota is 429 quota_exceeded, leaves no row and never reaches the host.
/// </summary>
public sealed class QuotaTests
{
    [Fact]
    public async Task Over_quota_a_create_is_429_with_no_row_and_no_call_to_the_host_until_an_administrator_raises_it()
    {
        await using var host = new CountingListener(TimeSpan.Zero);

        // No reconciler pass may dial the host: on a loaded machine this test outlasts the 5 s interval
        // (it failed so at load 60, the reconciler's ListSandboxes counted as calls to the host).
        await using var plane = await RunningControlPlane.StartAsync(configure: options =>
        {
            RunningControlPlane.OpenSignup(options);
            options.ReconcileInterval = TimeSpan.FromHours(1);
        });
        var api = new ControlPlaneApi(plane);
        var (admin, _) = await api.AdminAsync();
        await api.RegisterHostAsync(admin, host.Address);
        var (owner, _, team) = await api.SignupAsync("tenant@example.org");
        var key = await api.CreateApiKeyAsync(owner, team);

        await api.SendAsync(HttpMethod.Put, $"/v1/teams/{team}/quotas", new { sandboxes = 0 }, HttpStatusCode.OK, admin);
        await api.ErrorAsync(HttpMethod.Post, "/v1/sandboxes", new { }, HttpStatusCode.TooManyRequests, "quota_exceeded", apiKey: key);
        Assert.Empty(await TestDatabase.QueryColumnAsync(plane, "SELECT id FROM sandboxes"));
        Assert.Equal(0, host.Connections);

        // vCPUs and memory have their own limits.
        await api.SendAsync(HttpMethod.Put, $"/v1/teams/{team}/quotas", new { vcpus = 2, memory_mb = 1024 }, HttpStatusCode.OK, admin);
        await api.ErrorAsync(HttpMethod.Post, "/v1/sandboxes", new { vcpus = 3 }, HttpStatusCode.TooManyRequests, "quota_exceeded", apiKey: key);
        await api.ErrorAsync(HttpMethod.Post, "/v1/sandboxes", new { memory_mb = 2048 }, HttpStatusCode.TooManyRequests, "quota_exceeded", apiKey: key);
        Assert.Empty(await TestDatabase.QueryColumnAsync(plane, "SELECT id FROM sandboxes"));
        Assert.Equal(0, host.Connections);

        // Within quota the create goes to the host (which hangs up here: 502, and the row is undone).
        await api.ErrorAsync(HttpMethod.Post, "/v1/sandboxes", new { vcpus = 2, memory_mb = 1024 }, HttpStatusCode.BadGateway, "host_unavailable", apiKey: key);
        Assert.True(host.Connections > 0);
        Assert.Empty(await TestDatabase.QueryColumnAsync(plane, "SELECT id FROM sandboxes"));

        // Owners read their quota; members and outsiders do not; only administrators set it.
        var quotas = await api.SendAsync(HttpMethod.Get, $"/v1/teams/{team}/quotas", null, HttpStatusCode.OK, owner);
        Assert.Equal(2, quotas.GetProperty("limits").GetProperty("vcpus").GetInt32());
        Assert.Equal(0, quotas.GetProperty("usage").GetProperty("sandboxes").GetInt32());
        await api.ErrorAsync(HttpMethod.Put, $"/v1/teams/{team}/quotas", new { sandboxes = 1000 }, HttpStatusCode.Forbidden, "forbidden", owner);
        var (outsider, _, _) = await api.SignupAsync("outsider@example.org");
        await api.ErrorAsync(HttpMethod.Get, $"/v1/teams/{team}/quotas", null, HttpStatusCode.NotFound, "not_found", outsider);
        await api.ErrorAsync(HttpMethod.Put, $"/v1/teams/{team}/quotas", new { sandboxes = -1 }, HttpStatusCode.BadRequest, "bad_request", admin);
    }

    [Fact]
    public async Task Over_the_template_quota_a_snapshot_is_429_before_the_host_copies_anything()
    {
        await using var host = new CountingListener(TimeSpan.Zero);

        // No reconciler pass may dial the host either: on a loaded machine this test outlasts the 5 s interval.
        await using var plane = await RunningControlPlane.StartAsync(configure: options =>
        {
            RunningControlPlane.OpenSignup(options);
            options.ReconcileInterval = TimeSpan.FromHours(1);
        });
        var api = new ControlPlaneApi(plane);
        var (admin, _) = await api.AdminAsync();
        var hostId = await api.RegisterHostAsync(admin, host.Address);
        var (owner, _, team) = await api.SignupAsync("templater@example.org");
        var key = await api.CreateApiKeyAsync(owner, team);
        // A running sandbox of the team, as the database knows it (no agent runs here).
        const string sandbox = "sb-00000000000000aa";
        await TestDatabase.QueryColumnAsync(
            plane,
            "INSERT INTO sandboxes (id, team_id, host_id, template, state, vcpus, memory_mb, timeout_sec, metadata, created_at, last_active_at) "
            + $"VALUES ('{sandbox}', '{team}', '{hostId}', 'minimal', 'running', 1, 512, 0, '{{}}', '2026-12-05 06:00:00', '2026-12-05 06:00:00')");

        // The usage counts what is live: the running one, not a stopped one.
        await TestDatabase.QueryColumnAsync(
            plane,
            "INSERT INTO sandboxes (id, team_id, host_id, template, state, vcpus, memory_mb, timeout_sec, metadata, created_at, last_active_at) "
            + $"VALUES ('sb-00000000000000ab', '{team}', '{hostId}', 'minimal', 'stopped', 4, 4096, 0, '{{}}', '2026-12-05 06:00:00', '2026-12-05 06:00:00')");
        var usage = (await api.SendAsync(HttpMethod.Get, $"/v1/teams/{team}/quotas", null, HttpStatusCode.OK, owner)).GetProperty("usage");
        Assert.Equal((1, 1, 512, 0, 0L), (usage.GetProperty("sandboxes").GetInt32(), usage.GetProperty("vcpus").GetInt32(), usage.GetProperty("memory_mb").GetInt32(), usage.GetProperty("templates").GetInt32(), usage.GetProperty("template_bytes").GetInt64()));

        foreach (var limits in new object[] { new { templates = 0 }, new { template_bytes = 0L } })
        {
            await api.SendAsync(HttpMethod.Put, $"/v1/teams/{team}/quotas", limits, HttpStatusCode.OK, admin);
            await api.ErrorAsync(HttpMethod.Post, "/v1/snapshots", new { sandbox_id = sandbox, name = "hoard" }, HttpStatusCode.TooManyRequests, "quota_exceeded", apiKey: key);
        }

        Assert.Empty(await TestDatabase.QueryColumnAsync(plane, "SELECT id FROM templates"));
        Assert.Equal(0, host.Connections);
    }

    [Fact]
    public async Task Concurrent_creates_cannot_pass_the_sandbox_quota_together()
    {
        // The host holds each call for a while, so the admitted creates stay "starting" meanwhile.
        await using var host = new CountingListener(TimeSpan.FromSeconds(3));
        await using var plane = await RunningControlPlane.StartAsync(configure: RunningControlPlane.OpenSignup);
        var api = new ControlPlaneApi(plane);
        var (admin, _) = await api.AdminAsync();
        await api.RegisterHostAsync(admin, host.Address);
        var (owner, _, team) = await api.SignupAsync("racer@example.org");
        var key = await api.CreateApiKeyAsync(owner, team);
        await api.SendAsync(HttpMethod.Put, $"/v1/teams/{team}/quotas", new { sandboxes = 2 }, HttpStatusCode.OK, admin);

        var creates = Enumerable.Range(0, 6).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sandboxes") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("X-API-Key", key);
            using var response = await plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
            return response.StatusCode;
        }).ToList();
        var statuses = await Task.WhenAll(creates);
        Assert.Equal(4, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
    }
}
