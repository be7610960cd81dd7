using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Wrenn.ControlPlane.Tests.Accounts;

/// <summary>Sign-up, login, sessions, teams and API keys, against a real control plane.</summary>
public sealed class AccountsTests : IAsyncLifetime
{
    private RunningControlPlane _plane = null!;

    public async ValueTask InitializeAsync() => _plane = await RunningControlPlane.StartAsync(configure: RunningControlPlane.OpenSignup);

    public async ValueTask DisposeAsync()
    {
        await _plane.DisposeAsync();
    }

    [Fact]
    public async Task Signup_then_login_gives_a_session_that_lists_the_personal_team()
    {
        var signup = await SignupAsync("Ada@Example.org", "correct horse battery");
        Assert.Equal("ada@example.org", signup.GetProperty("email").GetString());
        var team = signup.GetProperty("teams")[0];
        Assert.Equal("owner", team.GetProperty("role").GetString());

        var login = await PostAsync("/v1/auth/login", new { email = "ada@example.org", password = "correct horse battery" }, HttpStatusCode.OK);
        var token = login.GetProperty("token").GetString()!;
        using var teams = await SendAsync(HttpMethod.Get, "/v1/teams", token: token);
        var listed = await ReadAsync(teams, HttpStatusCode.OK);
        Assert.Equal(team.GetProperty("id").GetString(), listed.GetProperty("teams")[0].GetProperty("id").GetString());

        // A session reaches sandbox endpoints for its team.
        using var sandboxes = await SendAsync(HttpMethod.Get, "/v1/sandboxes", token: token);
        Assert.Equal(HttpStatusCode.OK, sandboxes.StatusCode);
    }

    [Theory]
    [InlineData("not-an-email", "long enough password", "email")]
    [InlineData("a@b.co", "short", "password")]
    public async Task Signup_refuses_bad_input(string email, string password, string mentions)
    {
        using var response = await _plane.Http.PostAsJsonAsync("/v1/auth/signup", new { email, password }, TestContext.Current.CancellationToken);
        var error = await ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(mentions, error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_signup_with_the_same_email_answers_as_a_free_address_and_changes_nothing()
    {
        await SignupAsync("twice@example.org", "password-one");
        using var taken = await _plane.Http.PostAsJsonAsync("/v1/auth/signup", new { email = "TWICE@example.org", password = "password-two" }, TestContext.Current.CancellationToken);
        using var free = await _plane.Http.PostAsJsonAsync("/v1/auth/signup", new { email = "once@example.org", password = "password-two" }, TestContext.Current.CancellationToken);

        // Same status, same bytes: sign-up does not tell anyone which addresses have accounts.
        Assert.Equal(HttpStatusCode.Accepted, free.StatusCode);
        Assert.Equal(free.StatusCode, taken.StatusCode);
        Assert.Equal(await free.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), await taken.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(free.Content.Headers.ContentType, taken.Content.Headers.ContentType);

        // The taken account keeps its password; the free one got the new account.
        await PostAsync("/v1/auth/login", new { email = "twice@example.org", password = "password-one" }, HttpStatusCode.OK);
        await PostAsync("/v1/auth/login", new { email = "twice@example.org", password = "password-two" }, HttpStatusCode.Unauthorized);
        await PostAsync("/v1/auth/login", new { email = "once@example.org", password = "password-two" }, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Wrong_passwords_and_unknown_emails_get_the_same_401_and_guessing_is_rate_limited()
    {
        await SignupAsync("guarded@example.org", "the real password");
        using (var wrong = await _plane.Http.PostAsJsonAsync("/v1/auth/login", new { email = "guarded@example.org", password = "guess" }, TestContext.Current.CancellationToken))
        using (var unknown = await _plane.Http.PostAsJsonAsync("/v1/auth/login", new { email = "nobody@example.org", password = "guess" }, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Equal(wrong.StatusCode, unknown.StatusCode);
            Assert.Equal(await wrong.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), await unknown.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        HttpStatusCode last = HttpStatusCode.OK;
        for (var i = 0; i < 15 && last != HttpStatusCode.TooManyRequests; i++)
        {
            using var attempt = await _plane.Http.PostAsJsonAsync("/v1/auth/login", new { email = "guarded@example.org", password = "guess" + i }, TestContext.Current.CancellationToken);
            last = attempt.StatusCode;
            if (last == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("rate_limited", (await ReadAsync(attempt, HttpStatusCode.TooManyRequests)).GetProperty("error").GetProperty("code").GetString());
            }
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, last);
    }

    [Fact]
    public async Task Forged_and_expired_session_tokens_are_refused()
    {
        var signup = await SignupAsync("tokens@example.org", "password-123");
        var userId = signup.GetProperty("user_id").GetString()!;
        var sessionId = new JsonWebToken(signup.GetProperty("token").GetString()!).Id;

        var forged = Token(new SymmetricSecurityKey(new byte[32]) { KeyId = "user-jwt" }, userId, DateTime.UtcNow.AddHours(1), sessionId);
        using (var response = await SendAsync(HttpMethod.Get, "/v1/teams", token: forged))
        {
            Assert.Equal("unauthorized", (await ReadAsync(response, HttpStatusCode.Unauthorized)).GetProperty("error").GetProperty("code").GetString());
        }

        var realKey = new SymmetricSecurityKey(Convert.FromBase64String((await TestDatabase.QueryColumnAsync(_plane, "SELECT key FROM signing_keys WHERE purpose = 'user-jwt'")).Single())) { KeyId = "user-jwt" };
        await _plane.StopAsync();
        await using var restarted = await RunningControlPlane.StartAsync(_plane.WrennDir, _plane.DatabaseUrl);
        var expired = Token(realKey, userId, DateTime.UtcNow.AddMinutes(-5), sessionId);
        using (var response = await restarted.Http.SendAsync(Request(HttpMethod.Get, "/v1/teams", expired), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        var valid = Token(realKey, userId, DateTime.UtcNow.AddMinutes(5), sessionId);
        using (var response = await restarted.Http.SendAsync(Request(HttpMethod.Get, "/v1/teams", valid), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Api_keys_are_shown_once_listed_by_prefix_work_and_can_be_revoked()
    {
        var session = (await SignupAsync("keys@example.org", "password-123")).GetProperty("token").GetString()!;
        using var created = await SendAsync(HttpMethod.Post, "/v1/api-keys", new { name = "ci" }, token: session);
        var key = await ReadAsync(created, HttpStatusCode.Created);
        var secret = key.GetProperty("key").GetString()!;
        Assert.Matches("^wrn_[0-9a-f]{32}$", secret);
        Assert.Equal(secret[..8], key.GetProperty("prefix").GetString());

        using (var listed = await SendAsync(HttpMethod.Get, "/v1/api-keys", token: session))
        {
            var keys = (await ReadAsync(listed, HttpStatusCode.OK)).GetProperty("api_keys");
            var only = Assert.Single(keys.EnumerateArray());
            Assert.False(only.TryGetProperty("key", out _), "a listed key must not include the secret");
            Assert.Equal("ci", only.GetProperty("name").GetString());
        }

        using (var works = await SendAsync(HttpMethod.Get, "/v1/sandboxes", apiKey: secret))
        {
            Assert.Equal(HttpStatusCode.OK, works.StatusCode);
        }

        // Keys cannot manage keys.
        using (var escalation = await SendAsync(HttpMethod.Post, "/v1/api-keys", new { name = "more" }, apiKey: secret))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, escalation.StatusCode);
        }

        using (var revoked = await SendAsync(HttpMethod.Delete, $"/v1/api-keys/{key.GetProperty("id").GetString()}", token: session))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        using var refused = await SendAsync(HttpMethod.Get, "/v1/sandboxes", apiKey: secret);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Owners_add_members_by_email_and_members_act_for_the_team_they_name()
    {
        var owner = (await SignupAsync("owner@example.org", "password-123")).GetProperty("token").GetString()!;
        var member = await SignupAsync("member@example.org", "password-456");
        var memberToken = member.GetProperty("token").GetString()!;

        using var created = await SendAsync(HttpMethod.Post, "/v1/teams", new { name = "research" }, token: owner);
        var teamId = (await ReadAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using (var added = await SendAsync(HttpMethod.Post, $"/v1/teams/{teamId}/members", new { email = "member@example.org" }, token: owner))
        {
            Assert.Equal("member", (await ReadAsync(added, HttpStatusCode.Created)).GetProperty("role").GetString());
        }

        // A member with two teams must say which one.
        using (var ambiguous = await SendAsync(HttpMethod.Get, "/v1/sandboxes", token: memberToken))
        {
            Assert.Equal(HttpStatusCode.BadRequest, ambiguous.StatusCode);
        }

        using (var named = await SendAsync(HttpMethod.Get, "/v1/sandboxes", token: memberToken, team: teamId))
        {
            Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        }

        // Members cannot add people; outsiders cannot see the team at all.
        using (var notOwner = await SendAsync(HttpMethod.Post, $"/v1/teams/{teamId}/members", new { email = "owner@example.org" }, token: memberToken))
        {
            Assert.Equal(HttpStatusCode.Forbidden, notOwner.StatusCode);
        }

        var outsider = (await SignupAsync("outsider@example.org", "password-789")).GetProperty("token").GetString()!;
        using (var hidden = await SendAsync(HttpMethod.Get, $"/v1/teams/{teamId}/members", token: outsider))
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        }

        using (var notMine = await SendAsync(HttpMethod.Get, "/v1/sandboxes", token: outsider, team: teamId))
        {
            Assert.Equal(HttpStatusCode.NotFound, notMine.StatusCode);
        }

        using (var left = await SendAsync(HttpMethod.Delete, $"/v1/teams/{teamId}/members/{member.GetProperty("user_id").GetString()}", token: memberToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, left.StatusCode);
        }
    }

    /// <summary>Signs up (which answers 202 without a session) and logs in: the login's session.</summary>
    private async Task<JsonElement> SignupAsync(string email, string password)
    {
        await PostAsync("/v1/auth/signup", new { email, password }, HttpStatusCode.Accepted);
        return await PostAsync("/v1/auth/login", new { email, password }, HttpStatusCode.OK);
    }

    private async Task<JsonElement> PostAsync(string path, object body, HttpStatusCode expected)
    {
        using var response = await _plane.Http.PostAsJsonAsync(path, body, TestContext.Current.CancellationToken);
        return await ReadAsync(response, expected);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? token = null, string? apiKey = null, string? team = null)
    {
        var request = Request(method, path, token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (apiKey is not null)
        {
            request.Headers.Add("X-API-Key", apiKey);
        }

        if (team is not null)
        {
            request.Headers.Add("X-Team-Id", team);
        }

        return _plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? token)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"expected {expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string Token(SecurityKey key, string userId, DateTime expires, string sessionId) => new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "wrenn-cp",
        Audience = "wrenn-api",
        NotBefore = expires.AddHours(-2),
        IssuedAt = expires.AddHours(-2),
        Expires = expires,
        Subject = new ClaimsIdentity([new Claim("sub", userId), new Claim("jti", sessionId)]),
        SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
    });
}
