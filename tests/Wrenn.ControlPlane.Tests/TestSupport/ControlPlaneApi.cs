using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.Common.Bootstrap;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>Calls on a running control plane that check the status and read the JSON answer.</summary>
public sealed class ControlPlaneApi(RunningControlPlane plane)
{
    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, HttpStatusCode expected, string? token = null, string? apiKey = null, string? team = null)
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

        if (apiKey is not null)
        {
            request.Headers.Add("X-API-Key", apiKey);
        }

        if (team is not null)
        {
            request.Headers.Add("X-Team-Id", team);
        }

        using var response = await plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"{method} {path}: expected {expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an error answer in the envelope with <paramref name="code"/>.</summary>
    public async Task ErrorAsync(HttpMethod method, string path, object? body, HttpStatusCode expected, string code, string? token = null, string? apiKey = null, string? team = null)
    {
        var error = await SendAsync(method, path, body, expected, token, apiKey, team);
        Assert.Equal(code, error.GetProperty("error").GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("error").GetProperty("message").GetString()));
    }

    /// <summary>The first administrator's session token and team.</summary>
    public async Task<(string Token, string TeamId)> AdminAsync()
    {
        var credentials = await BootstrapCredentials.ReadAsync(plane.WrennDir, CancellationToken.None) ?? throw new InvalidOperationException("no bootstrap credentials");
        var login = await SendAsync(HttpMethod.Post, "/v1/auth/login", new { email = credentials.Email, password = credentials.Password }, HttpStatusCode.OK);
        return (login.GetProperty("token").GetString()!, credentials.TeamId);
    }

    /// <summary>Signs up (which gives no session: the same 202 for taken and free addresses), then logs in; the token, user id and personal team.</summary>
    public async Task<(string Token, string UserId, string TeamId)> SignupAsync(string email, string? invite = null)
    {
        await SendAsync(HttpMethod.Post, "/v1/auth/signup", new { email, password = "long enough password", invite }, HttpStatusCode.Accepted);
        var session = await SendAsync(HttpMethod.Post, "/v1/auth/login", new { email, password = "long enough password" }, HttpStatusCode.OK);
        return (session.GetProperty("token").GetString()!, session.GetProperty("user_id").GetString()!, session.GetProperty("teams")[0].GetProperty("id").GetString()!);
    }

    /// <summary>Registers a host at <paramref name="address"/> (nothing need answer there); its id.</summary>
    public async Task<string> RegisterHostAsync(string adminToken, string address)
    {
        var created = await SendAsync(HttpMethod.Post, "/v1/hosts", null, HttpStatusCode.Created, adminToken);
        var registered = await SendAsync(HttpMethod.Post, "/v1/hosts/register", new { token = created.GetProperty("registration_token").GetString(), address }, HttpStatusCode.OK);
        var hostId = registered.GetProperty("host_id").GetString()!;

        // A real agent's first heartbeat follows its registration at once; only then is the host ready.
        await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { }, HttpStatusCode.OK, registered.GetProperty("host_token").GetString());
        return hostId;
    }

    public async Task<string> CreateApiKeyAsync(string token, string teamId)
    {
        var key = await SendAsync(HttpMethod.Post, "/v1/api-keys", new { name = "k" }, HttpStatusCode.Created, token, team: teamId);
        return key.GetProperty("key").GetString()!;
    }
}
