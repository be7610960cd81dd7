using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Wrenn.Common.Bootstrap;

namespace Wrenn.ControlPlane.Tests.Auth;

/// <summary>
/// One-time exec WebSocket tickets against a real control plane. The sandbox is a database row on a
/// registered host whose agent does not answer: the WebSocket handshake (what tickets and Origin
/// guard) succeeds or fails before the agent is ever called.
/// </summary>
public sealed class ExecTicketTests : IAsyncLifetime
{
    private const string AllowedOrigin = "https://dashboard.example.org";

    private RunningControlPlane _plane = null!;
    private string _key = string.Empty;
    private string _sandbox = string.Empty;
    private string _otherSandbox = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _plane = await RunningControlPlane.StartAsync(configure: o =>
        {
            o.ExecTicketLifetime = TimeSpan.FromSeconds(5);
            o.ExecAllowedOrigins = [AllowedOrigin];
        });
        _key = await _plane.ApiKeyAsync();
        var credentials = await BootstrapCredentials.ReadAsync(_plane.WrennDir, CancellationToken.None);
        using var login = await _plane.Http.PostAsJsonAsync("/v1/auth/login", new { email = credentials!.Email, password = credentials.Password });
        var session = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/hosts");
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session);
        using var created = await _plane.Http.SendAsync(create);
        var token = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("registration_token").GetString();
        using var registered = await _plane.Http.PostAsJsonAsync("/v1/hosts/register", new { token, address = "127.0.0.1:1" });
        var hostId = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("host_id").GetString()!;
        _sandbox = await InsertRunningSandboxAsync(credentials.TeamId, hostId);
        _otherSandbox = await InsertRunningSandboxAsync(credentials.TeamId, hostId);
    }

    public async ValueTask DisposeAsync()
    {
        await _plane.DisposeAsync();
    }

    [Fact]
    public async Task A_ticket_opens_the_stream_once()
    {
        var ticket = await TicketAsync(_sandbox);
        Assert.StartsWith("wxt_", ticket.GetProperty("ticket").GetString(), StringComparison.Ordinal);
        var expiresAt = ticket.GetProperty("expires_at").GetDateTime();
        Assert.InRange(expiresAt - DateTime.UtcNow, TimeSpan.Zero, TimeSpan.FromSeconds(60));

        using (var socket = await ConnectAsync(_sandbox, ticket.GetProperty("ticket").GetString()!))
        {
            Assert.Equal(WebSocketState.Open, socket.State);
        }

        var again = await RefusedAsync(_sandbox, ticket.GetProperty("ticket").GetString()!);
        Assert.Equal(HttpStatusCode.Unauthorized, again);
    }

    [Fact]
    public async Task Expired_unknown_and_other_sandbox_tickets_are_refused()
    {
        var forOther = (await TicketAsync(_otherSandbox)).GetProperty("ticket").GetString()!;
        Assert.Equal(HttpStatusCode.Unauthorized, await RefusedAsync(_sandbox, forOther));

        // The ticket for the other sandbox was not used up by the wrong attempt.
        using (var socket = await ConnectAsync(_otherSandbox, forOther))
        {
            Assert.Equal(WebSocketState.Open, socket.State);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await RefusedAsync(_sandbox, "wxt_" + new string('0', 64)));

        // Tickets live 5 s here (30 s by default): long enough for the calls above on a loaded machine.
        var expiring = (await TicketAsync(_sandbox)).GetProperty("ticket").GetString()!;
        await Task.Delay(TimeSpan.FromSeconds(5.5), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, await RefusedAsync(_sandbox, expiring));
    }

    [Fact]
    public async Task A_foreign_Origin_is_refused_and_the_own_or_an_allowed_one_is_not()
    {
        var ticket = (await TicketAsync(_sandbox)).GetProperty("ticket").GetString()!;
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync(_sandbox, ticket, origin: "https://evil.example.com"));

        using (var own = await ConnectAsync(_sandbox, (await TicketAsync(_sandbox)).GetProperty("ticket").GetString()!, origin: _plane.BaseUri.GetLeftPart(UriPartial.Authority)))
        {
            Assert.Equal(WebSocketState.Open, own.State);
        }

        using var allowed = await ConnectAsync(_sandbox, (await TicketAsync(_sandbox)).GetProperty("ticket").GetString()!, origin: AllowedOrigin);
        Assert.Equal(WebSocketState.Open, allowed.State);
    }

    [Fact]
    public async Task The_API_key_is_taken_from_the_header_but_no_longer_from_the_URL()
    {
        using (var socket = new ClientWebSocket())
        {
            socket.Options.SetRequestHeader("X-API-Key", _key);
            await socket.ConnectAsync(StreamUri(_sandbox, null), TestContext.Current.CancellationToken);
            Assert.Equal(WebSocketState.Open, socket.State);
        }

        using var inUrl = new ClientWebSocket { Options = { CollectHttpResponseDetails = true } };
        await Assert.ThrowsAnyAsync<WebSocketException>(() => inUrl.ConnectAsync(new Uri(StreamUri(_sandbox, null) + "?api_key=" + _key), TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.Unauthorized, inUrl.HttpStatusCode);
    }

    [Fact]
    public async Task Tickets_need_credentials_and_a_sandbox_of_the_team()
    {
        using (var anonymous = await _plane.Http.PostAsync(new Uri($"/v1/sandboxes/{_sandbox}/exec/ticket", UriKind.Relative), null, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sandboxes/sb-0123456789abcdef/exec/ticket");
        request.Headers.Add("X-API-Key", _key);
        using var missing = await _plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private async Task<JsonElement> TicketAsync(string sandboxId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/sandboxes/{sandboxId}/exec/ticket");
        request.Headers.Add("X-API-Key", _key);
        using var response = await _plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    private async Task<ClientWebSocket> ConnectAsync(string sandboxId, string ticket, string? origin = null)
    {
        var socket = new ClientWebSocket();
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        await socket.ConnectAsync(StreamUri(sandboxId, ticket), TestContext.Current.CancellationToken);
        return socket;
    }

    private async Task<HttpStatusCode> RefusedAsync(string sandboxId, string ticket, string? origin = null)
    {
        using var socket = new ClientWebSocket { Options = { CollectHttpResponseDetails = true } };
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        await Assert.ThrowsAnyAsync<WebSocketException>(() => socket.ConnectAsync(StreamUri(sandboxId, ticket), TestContext.Current.CancellationToken));
        return socket.HttpStatusCode;
    }

    private Uri StreamUri(string sandboxId, string? ticket) =>
        new($"ws://{_plane.BaseUri.Authority}/v1/sandboxes/{sandboxId}/exec/stream{(ticket is null ? string.Empty : "?ticket=" + Uri.EscapeDataString(ticket))}");

    private async Task<string> InsertRunningSandboxAsync(string teamId, string hostId)
    {
        var id = "sb-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        await TestDatabase.ExecuteAsync(_plane, $"""
            INSERT INTO sandboxes (id, team_id, host_id, template, state, vcpus, memory_mb, timeout_sec, metadata, created_at, last_active_at)
            VALUES ('{id}', '{teamId}', '{hostId}', 'minimal', 'running', 1, 256, 0, '{"{}"}', '{now}', '{now}')
            """);
        return id;
    }
}
