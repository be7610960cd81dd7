using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.Auth;

/// <summary>GET /v1/auth/me, what the dashboard asks first, and the dashboard's routes on a real control plane.</summary>
public sealed class AuthMeTests : IAsyncLifetime
{
    private RunningControlPlane _plane = null!;

    public async ValueTask InitializeAsync() => _plane = await RunningControlPlane.StartAsync(configure: RunningControlPlane.OpenSignup);

    public async ValueTask DisposeAsync()
    {
        await _plane.DisposeAsync();
    }

    [Fact]
    public async Task Me_names_the_user_their_teams_and_whether_they_administer()
    {
        var admin = await MeAsync(await _plane.AdminTokenAsync());
        Assert.True(admin.GetProperty("is_admin").GetBoolean());
        Assert.Equal("admin@wrenn.local", admin.GetProperty("email").GetString());
        Assert.StartsWith("user-", admin.GetProperty("user_id").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(0, admin.GetProperty("teams").GetArrayLength());

        var token = await SessionsTests.SignupAndLoginAsync(_plane, "someone@example.org", "password-123");
        var user = await MeAsync(token);
        Assert.False(user.GetProperty("is_admin").GetBoolean());
        Assert.Equal("someone@example.org", user.GetProperty("email").GetString());
        var team = Assert.Single(user.GetProperty("teams").EnumerateArray());
        Assert.Equal("owner", team.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Me_without_a_session_or_with_an_API_key_is_401()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = await _plane.Http.GetAsync(new Uri("/v1/auth/me", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/v1/auth/me", UriKind.Relative));
        request.Headers.Add("X-API-Key", await _plane.ApiKeyAsync());
        using var withKey = await _plane.Http.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.Unauthorized, withKey.StatusCode);
    }

    [Fact]
    public async Task The_control_plane_redirects_its_root_to_the_dashboard_and_answers_API_misses_in_JSON()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = _plane.BaseUri };
        using var root = await http.GetAsync(new Uri("/", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/dashboard/", root.Headers.Location?.OriginalString);

        using var page = await http.GetAsync(new Uri("/dashboard/templates", UriKind.Relative), ct);
        Assert.Contains(page.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable });
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("frame-ancestors 'none'", Assert.Single(page.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);

        using var miss = await http.GetAsync(new Uri("/v1/dashboard", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.NotFound, miss.StatusCode);
        using var body = JsonDocument.Parse(await miss.Content.ReadAsStringAsync(ct));
        Assert.Equal("not_found", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    private async Task<JsonElement> MeAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/v1/auth/me", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone();
    }
}
