using System.Net;
using System.Text.RegularExpressions;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;

namespace Wrenn.ControlPlane.Tests.Sandboxes;

/// <summary>
/// The sandbox service through /v1 against an agent that keeps sandboxes in memory: end times (kill, or
/// pause with auto_pause), auto-resume on use (once for concurrent callers), activity coalescing, envd
/// tokens kept from the agent, and creates that fail leaving nothing behind.
/// </summary>
public sealed class SandboxLifecycleTests : IAsyncLifetime
{
    private InMemoryAgentPlane _setup = null!;
    private InMemoryHostAgent _agent = null!;
    private RunningControlPlane _plane = null!;
    private ControlPlaneApi _api = null!;
    private string _key = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _setup = await InMemoryAgentPlane.StartAsync(options =>
        {
            options.ReconcileInterval = TimeSpan.FromMilliseconds(200);
            RunningControlPlane.OpenSignup(options);

            // Long enough that a test's burst of calls falls in one interval.
            options.ActivityInterval = TimeSpan.FromHours(1);
        });
        (_agent, _plane, _api, _key) = (_setup.Agent, _setup.Plane, _setup.Api, _setup.Key);
    }

    public async ValueTask DisposeAsync()
    {
        await _setup.DisposeAsync();
    }

    [Fact]
    public async Task Create_shows_the_end_time_and_the_auto_flags_and_keeps_the_agents_envd_token()
    {
        var before = DateTime.UtcNow;
        var created = await CreateAsync(new { lifetime_sec = 600, auto_pause = true, auto_resume = true });

        var endAt = created.GetProperty("end_at").GetDateTime().ToUniversalTime();
        Assert.InRange(endAt, before.AddSeconds(599), DateTime.UtcNow.AddSeconds(601));
        Assert.True(created.GetProperty("auto_pause").GetBoolean());
        Assert.True(created.GetProperty("auto_resume").GetBoolean());

        var id = created.GetProperty("id").GetString()!;
        await using var db = Database();
        var row = await db.Sandboxes.SingleAsync(s => s.Id == id, TestContext.Current.CancellationToken);
        Assert.Equal(InMemoryHostAgent.EnvdTokenOf(id), row.EnvdAccessToken);
        Assert.Equal("0.6.4", row.EnvdVersion);

        var plain = await CreateAsync(new { });
        Assert.Equal(System.Text.Json.JsonValueKind.Null, plain.GetProperty("end_at").ValueKind);
        Assert.False(plain.GetProperty("auto_pause").GetBoolean());
        Assert.False(plain.GetProperty("auto_resume").GetBoolean());
    }

    [Fact]
    public async Task The_lifetime_endpoint_moves_the_end_time_and_zero_removes_it()
    {
        var id = (await CreateAsync(new { lifetime_sec = 600 })).GetProperty("id").GetString()!;

        var moved = await _api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/lifetime", new { lifetime_sec = 60 }, HttpStatusCode.OK, apiKey: _key);
        Assert.InRange(moved.GetProperty("end_at").GetDateTime().ToUniversalTime(), DateTime.UtcNow.AddSeconds(50), DateTime.UtcNow.AddSeconds(61));

        var removed = await _api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/lifetime", new { lifetime_sec = 0 }, HttpStatusCode.OK, apiKey: _key);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, removed.GetProperty("end_at").ValueKind);

        await _api.ErrorAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/lifetime", new { }, HttpStatusCode.BadRequest, "bad_request", apiKey: _key);
        await _api.ErrorAsync(HttpMethod.Post, "/v1/sandboxes/sb-0000000000000000/lifetime", new { lifetime_sec = 5 }, HttpStatusCode.NotFound, "not_found", apiKey: _key);
    }

    [Fact]
    public async Task A_sandbox_past_its_end_time_is_killed_by_the_reconciler()
    {
        var id = (await CreateAsync(new { lifetime_sec = 1 })).GetProperty("id").GetString()!;

        var state = await WaitForStateAsync(id, "stopped");

        Assert.Equal("stopped", state);
        Assert.Contains(id, _agent.Destroyed);
        Assert.Null(_agent.Find(id));
    }

    [Fact]
    public async Task A_sandbox_created_while_the_host_was_listing_is_not_taken_for_a_vanished_one()
    {
        // Every listing answers a second late with what the host had when asked: a sandbox created
        // meanwhile is not in it. Before the fix the reconciler marked such a sandbox stopped.
        _agent.ListDelay = TimeSpan.FromSeconds(1);
        var id = (await CreateAsync(new { })).GetProperty("id").GetString()!;

        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken);

        Assert.Equal("running", (await GetAsync(id)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_sandbox_with_auto_pause_is_paused_at_its_end_time_not_killed()
    {
        var id = (await CreateAsync(new { lifetime_sec = 1, auto_pause = true })).GetProperty("id").GetString()!;

        var state = await WaitForStateAsync(id, "paused");

        Assert.Equal("paused", state);
        Assert.DoesNotContain(id, _agent.Destroyed);
        Assert.Equal(Wrenn.Common.HostAgent.V1.SandboxState.Paused, _agent.Find(id)!.State);

        // It stays paused (not killed on a later pass).
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.Equal("paused", (await GetAsync(id)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Concurrent_first_calls_to_a_paused_auto_resume_sandbox_resume_it_once_and_all_complete()
    {
        var id = (await CreateAsync(new { auto_resume = true })).GetProperty("id").GetString()!;
        await _api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/pause", null, HttpStatusCode.OK, apiKey: _key);
        _agent.ResumeDelay = TimeSpan.FromMilliseconds(500);

        var calls = Enumerable.Range(0, 8).Select(i => _api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/exec", new { cmd = $"echo {i}" }, HttpStatusCode.OK, apiKey: _key)).ToList();
        var answers = await Task.WhenAll(calls);

        Assert.Equal(1, _agent.ResumeCalls);
        Assert.All(answers, a => Assert.StartsWith("ran echo ", a.GetProperty("stdout").GetString(), StringComparison.Ordinal));
        Assert.Equal("running", (await GetAsync(id)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Work_reaches_a_running_sandbox_of_the_callers_team_and_another_team_cannot_find_it()
    {
        // Exec opens a running sandbox with its host in one query: that query must keep the team scope.
        var id = (await CreateAsync(new { })).GetProperty("id").GetString()!;
        var ran = await _api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/exec", new { cmd = "echo mine" }, HttpStatusCode.OK, apiKey: _key);
        Assert.StartsWith("ran echo mine", ran.GetProperty("stdout").GetString(), StringComparison.Ordinal);

        var (outsider, _, team) = await _api.SignupAsync("outsider@example.org");
        var outsidersKey = await _api.CreateApiKeyAsync(outsider, team);
        await _api.ErrorAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/exec", new { cmd = "echo theirs" }, HttpStatusCode.NotFound, "not_found", apiKey: outsidersKey);
        await _api.ErrorAsync(HttpMethod.Post, "/v1/sandboxes/sb-0000000000000000/exec", new { cmd = "true" }, HttpStatusCode.NotFound, "not_found", apiKey: _key);
        await _api.ErrorAsync(HttpMethod.Post, "/v1/sandboxes/not-an-id/exec", new { cmd = "true" }, HttpStatusCode.NotFound, "not_found", apiKey: _key);
    }

    [Fact]
    public async Task A_paused_sandbox_without_auto_resume_refuses_work_and_stays_paused()
    {
        var id = (await CreateAsync(new { })).GetProperty("id").GetString()!;
        await _api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/pause", null, HttpStatusCode.OK, apiKey: _key);

        await _api.ErrorAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/exec", new { cmd = "true" }, HttpStatusCode.Conflict, "conflict", apiKey: _key);

        Assert.Equal(0, _agent.ResumeCalls);
        Assert.Equal("paused", (await GetAsync(id)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Calls_within_the_activity_interval_of_a_create_are_its_activity_and_do_not_ping_the_agent()
    {
        // The create itself started last_active_at and the host's timer (SandboxActivityIntervalTests
        // covers the ping once the interval has passed).
        var id = (await CreateAsync(new { })).GetProperty("id").GetString()!;

        for (var i = 0; i < 10; i++)
        {
            await _api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/exec", new { cmd = "true" }, HttpStatusCode.OK, apiKey: _key);
        }

        Assert.Equal(0, _agent.PingCalls);
    }

    [Fact]
    public async Task A_create_the_agent_fails_leaves_no_row_and_nothing_on_the_host()
    {
        // The answer is lost (the agent may have made it): the control plane must destroy it.
        _agent.CreateFailure = new RpcException(new Status(StatusCode.Unavailable, "connection reset by peer at 10.0.0.7"));
        _agent.FailAfterCreating = true;

        var error = await _api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { }, HttpStatusCode.BadGateway, apiKey: _key);

        Assert.Equal("host_unavailable", error.GetProperty("error").GetProperty("code").GetString());
        Assert.Matches(new Regex("err-[0-9a-f]{16}"), error.GetProperty("error").GetProperty("message").GetString()!);
        Assert.Equal(0, _agent.Count);
        var listed = await _api.SendAsync(HttpMethod.Get, "/v1/sandboxes?state=starting,running,paused,error,stopped", null, HttpStatusCode.OK, apiKey: _key);
        Assert.Equal(0, listed.GetProperty("sandboxes").GetArrayLength());

        // A deliberate refusal keeps its message and leaves nothing either.
        _agent.CreateFailure = new RpcException(new Status(StatusCode.ResourceExhausted, "no free network slot"));
        _agent.FailAfterCreating = false;
        await _api.ErrorAsync(HttpMethod.Post, "/v1/sandboxes", new { }, HttpStatusCode.ServiceUnavailable, "no_capacity", apiKey: _key);
        listed = await _api.SendAsync(HttpMethod.Get, "/v1/sandboxes?state=starting,running,paused,error,stopped", null, HttpStatusCode.OK, apiKey: _key);
        Assert.Equal(0, listed.GetProperty("sandboxes").GetArrayLength());
    }

    [Fact]
    public async Task Errors_map_to_v1_statuses_pause_twice_conflicts_and_unknown_is_not_found()
    {
        var id = (await CreateAsync(new { })).GetProperty("id").GetString()!;
        await _api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/pause", null, HttpStatusCode.OK, apiKey: _key);
        await _api.ErrorAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/pause", null, HttpStatusCode.Conflict, "conflict", apiKey: _key);
        await _api.ErrorAsync(HttpMethod.Delete, "/v1/sandboxes/sb-0000000000000000", null, HttpStatusCode.NotFound, "not_found", apiKey: _key);
        await _api.ErrorAsync(HttpMethod.Post, "/v1/sandboxes", new { lifetime_sec = -1 }, HttpStatusCode.BadRequest, "bad_request", apiKey: _key);

        await _api.SendAsync(HttpMethod.Delete, $"/v1/sandboxes/{id}", null, HttpStatusCode.NoContent, apiKey: _key);
        await _api.SendAsync(HttpMethod.Delete, $"/v1/sandboxes/{id}", null, HttpStatusCode.NoContent, apiKey: _key);

        // A stopped sandbox is still shown, and work for it is a conflict (its state), not "not found".
        await _api.ErrorAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/exec", new { cmd = "true" }, HttpStatusCode.Conflict, "conflict", apiKey: _key);
    }

    private async Task<System.Text.Json.JsonElement> CreateAsync(object body) =>
        await _api.SendAsync(HttpMethod.Post, "/v1/sandboxes", body, HttpStatusCode.Created, apiKey: _key);

    private async Task<System.Text.Json.JsonElement> GetAsync(string id) =>
        await _api.SendAsync(HttpMethod.Get, $"/v1/sandboxes/{id}", null, HttpStatusCode.OK, apiKey: _key);

    private async Task<string> WaitForStateAsync(string id, string wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        string state;
        do
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            state = (await GetAsync(id)).GetProperty("state").GetString()!;
        }
        while (state != wanted && DateTime.UtcNow < deadline);
        return state;
    }

    private WrennDbContext Database() => _plane.DatabaseUrl is { } url
        ? new PostgresWrennDbContext(new DbContextOptionsBuilder<PostgresWrennDbContext>().UseNpgsql(PostgresConnectionString.FromDatabaseUrl(url)).Options)
        : new SqliteWrennDbContext(new DbContextOptionsBuilder<SqliteWrennDbContext>().UseSqlite($"Data Source={Path.Combine(_plane.WrennDir, "wrenn.db")}").Options);
}
