using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.Hosts;

/// <summary>Adding hosts, registering agents with one-hour tokens, heartbeats, removal: the hosts API.</summary>
public sealed class HostsTests : IAsyncLifetime
{
    private RunningControlPlane _plane = null!;
    private string _admin = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _plane = await RunningControlPlane.StartAsync(heartbeatInterval: TimeSpan.FromSeconds(1), hostTokenLifetime: TimeSpan.FromSeconds(4), configure: RunningControlPlane.OpenSignup);
        _admin = await _plane.AdminTokenAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _plane.DisposeAsync();
    }

    [Fact]
    public async Task A_token_registers_one_agent_once_and_heartbeats_keep_the_host_alive()
    {
        var created = await SendAsync(HttpMethod.Post, "/v1/hosts", null, _admin, HttpStatusCode.Created);
        var hostId = created.GetProperty("host_id").GetString()!;
        var token = created.GetProperty("registration_token").GetString()!;

        var listed = await SendAsync(HttpMethod.Get, "/v1/hosts", null, _admin, HttpStatusCode.OK);
        Assert.Equal("pending", listed.GetProperty("hosts").EnumerateArray().Single(h => h.GetProperty("id").GetString() == hostId).GetProperty("state").GetString());

        var registered = await SendAsync(HttpMethod.Post, "/v1/hosts/register", new { token, address = "127.0.0.1:1", specs = new { arch = "x64", cpus = 8, memory_mb = 16384, disk_mb = 100000, runtime = "container" } }, null, HttpStatusCode.OK);
        Assert.Equal(hostId, registered.GetProperty("host_id").GetString());
        Assert.Matches("^[0-9a-f]{64}$", registered.GetProperty("agent_secret").GetString());
        var hostToken = registered.GetProperty("host_token").GetString()!;

        await SendAsync(HttpMethod.Post, "/v1/hosts/register", new { token, address = "127.0.0.1:2" }, null, HttpStatusCode.Unauthorized);

        var beat = await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { address = "127.0.0.1:3", running_sandboxes = 2 }, hostToken, HttpStatusCode.OK);
        Assert.True(beat.GetProperty("heartbeat_interval_sec").GetInt32() > 0);
        var host = (await SendAsync(HttpMethod.Get, "/v1/hosts", null, _admin, HttpStatusCode.OK)).GetProperty("hosts").EnumerateArray().Single(h => h.GetProperty("id").GetString() == hostId);
        Assert.Equal("ready", host.GetProperty("state").GetString());
        Assert.Equal("http://127.0.0.1:1", host.GetProperty("address").GetString());
        Assert.Equal(8, host.GetProperty("cpus").GetInt32());
        Assert.Equal(2, host.GetProperty("running_sandboxes").GetInt32());

        // A host token is for its own host, and only for heartbeats.
        await SendAsync(HttpMethod.Post, "/v1/hosts/host-0000000000000000/heartbeat", new { }, hostToken, HttpStatusCode.Forbidden);
        await SendAsync(HttpMethod.Get, "/v1/hosts", null, hostToken, HttpStatusCode.Unauthorized);
        await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { }, "not.a.token", HttpStatusCode.Unauthorized);
        await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { }, _admin, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_new_token_re_registers_a_host_and_removal_deletes_it()
    {
        var created = await SendAsync(HttpMethod.Post, "/v1/hosts", null, _admin, HttpStatusCode.Created);
        var hostId = created.GetProperty("host_id").GetString()!;
        var fresh = await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/token", null, _admin, HttpStatusCode.Created);
        await SendAsync(HttpMethod.Post, "/v1/hosts/register", new { token = created.GetProperty("registration_token").GetString(), address = "127.0.0.1:1" }, null, HttpStatusCode.Unauthorized);
        await SendAsync(HttpMethod.Post, "/v1/hosts/register", new { token = fresh.GetProperty("registration_token").GetString(), address = "127.0.0.1:1" }, null, HttpStatusCode.OK);

        await SendAsync(HttpMethod.Delete, $"/v1/hosts/{hostId}", null, _admin, HttpStatusCode.NoContent);
        await SendAsync(HttpMethod.Delete, $"/v1/hosts/{hostId}", null, _admin, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_heartbeat_cannot_move_a_host_only_a_new_registration_can()
    {
        var (hostId, hostToken) = await RegisterAsync("127.0.0.1:1");
        await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { address = "203.0.113.9:50051" }, hostToken, HttpStatusCode.OK);
        Assert.Equal("http://127.0.0.1:1", (await HostAsync(hostId)).GetProperty("address").GetString());

        var fresh = await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/token", null, _admin, HttpStatusCode.Created);
        await SendAsync(HttpMethod.Post, "/v1/hosts/register", new { token = fresh.GetProperty("registration_token").GetString(), address = "127.0.0.1:2" }, null, HttpStatusCode.OK);
        Assert.Equal("http://127.0.0.1:2", (await HostAsync(hostId)).GetProperty("address").GetString());
    }

    [Theory]
    [InlineData(0, 16384L, 100000L)]
    [InlineData(1_000_000, 16384L, 100000L)]
    [InlineData(8, -1L, 100000L)]
    [InlineData(8, 1L << 40, 100000L)]
    [InlineData(8, 16384L, -5L)]
    [InlineData(8, 16384L, long.MaxValue)]
    public async Task Implausible_specs_are_refused_at_registration_and_on_heartbeats(int cpus, long memoryMb, long diskMb)
    {
        var specs = new { arch = "x64", cpus, memory_mb = memoryMb, disk_mb = diskMb, runtime = "container" };
        var created = await SendAsync(HttpMethod.Post, "/v1/hosts", null, _admin, HttpStatusCode.Created);
        var refused = await SendAsync(HttpMethod.Post, "/v1/hosts/register", new { token = created.GetProperty("registration_token").GetString(), address = "127.0.0.1:1", specs }, null, HttpStatusCode.BadRequest);
        Assert.Equal("bad_request", refused.GetProperty("error").GetProperty("code").GetString());

        var (hostId, hostToken) = await RegisterAsync("127.0.0.1:1");
        await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { specs }, hostToken, HttpStatusCode.BadRequest);
        Assert.Equal(8, (await HostAsync(hostId)).GetProperty("cpus").GetInt32());
    }

    [Fact]
    public async Task A_new_registration_token_revokes_the_hosts_tokens()
    {
        var (hostId, hostToken) = await RegisterAsync("127.0.0.1:1");
        await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { }, hostToken, HttpStatusCode.OK);
        await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/token", null, _admin, HttpStatusCode.Created);
        await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { }, hostToken, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Host_tokens_expire_and_heartbeats_rotate_them()
    {
        // This control plane's host tokens live 4 s; heartbeats every 1 s (3 s to spare on a loaded machine).
        var (hostId, first) = await RegisterAsync("127.0.0.1:1");
        var token = first;
        for (var beat = 0; beat < 6; beat++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            var answer = await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { }, token, HttpStatusCode.OK);
            token = answer.GetProperty("host_token").GetString()!;
            Assert.True(answer.GetProperty("host_token_expires_at").GetDateTime() > DateTime.UtcNow);
        }

        // Six seconds on, the agent that kept rotating is still in; the registration's token is not.
        await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { }, first, HttpStatusCode.Unauthorized);
        await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { }, token, HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-port")]
    [InlineData("host:port/path")]
    public async Task Registration_needs_a_host_port_address(string address)
    {
        var created = await SendAsync(HttpMethod.Post, "/v1/hosts", null, _admin, HttpStatusCode.Created);
        await SendAsync(HttpMethod.Post, "/v1/hosts/register", new { token = created.GetProperty("registration_token").GetString(), address }, null, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Only_administrators_manage_hosts()
    {
        (await _plane.Http.PostAsJsonAsync("/v1/auth/signup", new { email = "someone@example.org", password = "password-123" }, TestContext.Current.CancellationToken)).Dispose();
        using var signup = await _plane.Http.PostAsJsonAsync("/v1/auth/login", new { email = "someone@example.org", password = "password-123" }, TestContext.Current.CancellationToken);
        var user = (await signup.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("token").GetString()!;
        await SendAsync(HttpMethod.Post, "/v1/hosts", null, user, HttpStatusCode.Forbidden);
        await SendAsync(HttpMethod.Get, "/v1/hosts", null, null, HttpStatusCode.Unauthorized);
    }

    /// <summary>Adds a host and registers it at <paramref name="address"/> with 8 CPUs; its id and host token.</summary>
    private async Task<(string HostId, string HostToken)> RegisterAsync(string address)
    {
        var created = await SendAsync(HttpMethod.Post, "/v1/hosts", null, _admin, HttpStatusCode.Created);
        var specs = new { arch = "x64", cpus = 8, memory_mb = 16384, disk_mb = 100000, runtime = "container" };
        var registered = await SendAsync(HttpMethod.Post, "/v1/hosts/register", new { token = created.GetProperty("registration_token").GetString(), address, specs }, null, HttpStatusCode.OK);
        return (registered.GetProperty("host_id").GetString()!, registered.GetProperty("host_token").GetString()!);
    }

    private async Task<JsonElement> HostAsync(string hostId) =>
        (await SendAsync(HttpMethod.Get, "/v1/hosts", null, _admin, HttpStatusCode.OK)).GetProperty("hosts").EnumerateArray().Single(h => h.GetProperty("id").GetString() == hostId);

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, string? token, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await _plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"{method} {path}: expected {expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
