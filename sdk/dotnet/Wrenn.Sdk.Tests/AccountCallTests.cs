using System.Net;

namespace Wrenn.Sdk.Tests;

/// <summary>Login, hosts (drain too) and API keys: the requests they make and what they return, without a platform.</summary>
[Collection(SdkCollection.Name)]
public sealed class AccountCallTests
{
    private const string Host = """{"id": "host-01", "state": "draining", "address": "10.0.0.2:9000", "runtime": "container", "arch": "x86_64", "cpus": 8, "memory_mb": 16384, "disk_mb": 100000, "running_sandboxes": 3, "created_at": "2026-12-05T10:00:00Z", "last_seen_at": null, "draining": true}""";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static WrennClient Client(HttpClient http, string? key = "wrn_key", string? session = "the-session") =>
        new(http, new WrennSettings(new Uri("http://127.0.0.1:9"), key) { SessionToken = session }, new WrennOptions { RetryDelay = TimeSpan.FromMilliseconds(1) });

    [Fact]
    public async Task Drain_and_undrain_call_the_drain_route_with_the_session_and_return_the_host()
    {
        using var handler = new ScriptedHandler((HttpStatusCode.OK, Host), (HttpStatusCode.OK, Host.Replace("\"state\": \"draining\"", "\"state\": \"ready\"", StringComparison.Ordinal)));
        using var http = new HttpClient(handler);
        var client = Client(http);

        var drained = await client.Hosts.DrainAsync("host-01", Token);
        var undrained = await client.Hosts.UndrainAsync("host-01", Token);

        Assert.Equal(("host-01", "draining", true, 3, 16384L, (DateTime?)null), (drained.Id, drained.State, drained.Draining, drained.RunningSandboxes, drained.MemoryMb, drained.LastSeenAt));
        Assert.Equal("ready", undrained.State);
        Assert.Equal(
            [(HttpMethod.Post, "/v1/hosts/host-01/drain"), (HttpMethod.Delete, "/v1/hosts/host-01/drain")],
            handler.Requests.Select(r => (r.Method, r.RequestUri!.AbsolutePath)));
        Assert.All(handler.Requests, r =>
        {
            Assert.Equal("Bearer the-session", r.Headers.Authorization?.ToString());
            Assert.False(r.Headers.Contains("X-API-Key"));
        });
    }

    [Fact]
    public async Task A_drain_answered_without_a_body_returns_the_host_from_the_list()
    {
        using var handler = new ScriptedHandler((HttpStatusCode.NoContent, string.Empty), (HttpStatusCode.OK, $$"""{"hosts": [{{Host}}]}"""));
        using var http = new HttpClient(handler);
        var host = await Client(http).Hosts.DrainAsync("host-01", Token);
        Assert.Equal(("host-01", "draining"), (host.Id, host.State));
        Assert.Equal((HttpMethod.Get, "/v1/hosts"), (handler.Requests[1].Method, handler.Requests[1].RequestUri!.AbsolutePath));
    }

    [Fact]
    public async Task Drain_errors_are_the_servers_typed_errors()
    {
        using var handler = new ScriptedHandler((HttpStatusCode.NotFound, """{"error": {"code": "not_found", "message": "host host-99 not found"}}"""));
        using var http = new HttpClient(handler);
        var error = await Assert.ThrowsAsync<WrennNotFoundException>(() => Client(http).Hosts.DrainAsync("host-99", Token));
        Assert.Equal("host host-99 not found (404 not_found)", error.Message);
    }

    [Fact]
    public async Task Hosts_are_listed_added_given_new_tokens_and_removed()
    {
        const string registration = """{"host_id": "host-02", "registration_token": "wrh_secret", "expires_at": "2026-12-05T11:00:00Z"}""";
        using var handler = new ScriptedHandler(
            (HttpStatusCode.OK, $$"""{"hosts": [{{Host}}]}"""),
            (HttpStatusCode.Created, registration),
            (HttpStatusCode.Created, registration),
            (HttpStatusCode.NoContent, string.Empty));
        using var http = new HttpClient(handler);
        var client = Client(http);

        Assert.Equal(["host-01"], (await client.Hosts.ListAsync(Token)).Select(h => h.Id));
        Assert.Equal(new HostRegistration("host-02", "wrh_secret", new DateTime(2026, 12, 5, 11, 0, 0, DateTimeKind.Utc)), await client.Hosts.CreateAsync(Token));
        Assert.Equal("wrh_secret", (await client.Hosts.NewTokenAsync("host-02", Token)).RegistrationToken);
        await client.Hosts.DeleteAsync("host-02", Token);

        Assert.Equal(
            [(HttpMethod.Get, "/v1/hosts"), (HttpMethod.Post, "/v1/hosts"), (HttpMethod.Post, "/v1/hosts/host-02/token"), (HttpMethod.Delete, "/v1/hosts/host-02")],
            handler.Requests.Select(r => (r.Method, r.RequestUri!.AbsolutePath)));
    }

    [Fact]
    public async Task Login_makes_later_account_calls_use_the_new_session()
    {
        using var handler = new ScriptedHandler(
            (HttpStatusCode.OK, """{"token": "new-session", "expires_at": "2026-12-06T10:00:00Z", "user_id": "u-1", "email": "admin@example.com", "teams": [{"id": "t-1", "name": "admin", "role": "owner", "created_at": "2026-12-05T10:00:00Z"}]}"""),
            (HttpStatusCode.Created, """{"id": "k-1", "name": "ci", "prefix": "wrn_ab", "team_id": "t-1", "created_by": "u-1", "created_at": "2026-12-05T10:00:00Z", "last_used_at": null, "key": "wrn_abcdef"}"""));
        using var http = new HttpClient(handler);
        var client = Client(http, key: null, session: null);

        var session = await client.LoginAsync("admin@example.com", "pw", Token);
        var key = await client.ApiKeys.CreateAsync("ci", Token);

        Assert.Equal(("new-session", "admin@example.com", "owner"), (session.Token, session.Email, session.Teams.Single().Role));
        Assert.Equal(("k-1", "wrn_abcdef"), (key.Id, key.Key));
        Assert.Null(handler.Requests[0].Headers.Authorization);
        Assert.Contains("\"password\":\"pw\"", handler.Bodies[0], StringComparison.Ordinal);
        Assert.Equal(("/v1/api-keys", "Bearer new-session", """{"name":"ci"}"""), (handler.Requests[1].RequestUri!.AbsolutePath, handler.Requests[1].Headers.Authorization?.ToString(), handler.Bodies[1]));
    }

    [Fact]
    public async Task A_missing_credential_fails_the_call_that_needs_it_without_sending_anything()
    {
        using var handler = new ScriptedHandler();
        using var http = new HttpClient(handler);

        var noSession = await Assert.ThrowsAsync<WrennConfigurationException>(() => Client(http, session: null).ApiKeys.ListAsync(Token));
        Assert.Contains("LoginAsync", noSession.Message, StringComparison.Ordinal);
        var noKey = await Assert.ThrowsAsync<WrennConfigurationException>(() => Client(http, key: null).ListTemplatesAsync(Token));
        Assert.Contains("WRENN_API_KEY", noKey.Message, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task Sandboxes_carry_every_field_the_api_gives()
    {
        using var handler = new ScriptedHandler((HttpStatusCode.OK, """{"id": "sb-0000000000000001", "state": "running", "template": "minimal", "vcpus": 1, "memory_mb": 512, "timeout_sec": 0, "metadata": {"a": "b"}, "host_id": "host-01", "created_at": "2026-12-05T10:00:00Z", "last_active_at": "2026-12-05T10:05:00Z", "end_at": null, "auto_pause": true, "auto_resume": false}"""));
        using var http = new HttpClient(handler);
        var info = (await Client(http).ConnectAsync("sb-0000000000000001", Token)).Info;
        Assert.Equal(("host-01", new DateTime(2026, 12, 5, 10, 5, 0, DateTimeKind.Utc), (DateTime?)null, true, false), (info.HostId, info.LastActiveAt, info.EndAt, info.AutoPause, info.AutoResume));
    }
}
