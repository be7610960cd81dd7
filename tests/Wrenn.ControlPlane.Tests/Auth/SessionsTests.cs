using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Tests.Auth;

/// <summary>Logout, password change, signing-key ids and rotation, against a real control plane.</summary>
public sealed class SessionsTests : IAsyncLifetime
{
    private RunningControlPlane _plane = null!;

    public async ValueTask InitializeAsync() => _plane = await RunningControlPlane.StartAsync(configure: RunningControlPlane.OpenSignup);

    public async ValueTask DisposeAsync()
    {
        await _plane.DisposeAsync();
    }

    [Fact]
    public async Task A_token_is_refused_after_logout_and_the_users_other_sessions_are_not()
    {
        var first = await SignupAndLoginAsync(_plane, "leaving@example.org", "password-123");
        var second = await LoginAsync(_plane, "leaving@example.org", "password-123");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(_plane, HttpMethod.Get, "/v1/teams", first));

        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(_plane, HttpMethod.Post, "/v1/auth/logout", first));

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(_plane, HttpMethod.Get, "/v1/teams", first));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(_plane, HttpMethod.Get, "/v1/sandboxes", first));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(_plane, HttpMethod.Post, "/v1/auth/logout", first));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(_plane, HttpMethod.Get, "/v1/teams", second));
    }

    [Fact]
    public async Task A_password_change_needs_the_current_password_and_ends_every_other_session()
    {
        var kept = await SignupAndLoginAsync(_plane, "changing@example.org", "old-password");
        var other = await LoginAsync(_plane, "changing@example.org", "old-password");

        using (var wrong = await SendAsync(_plane, HttpMethod.Post, "/v1/auth/password", kept, new { current_password = "not-it-at-all", new_password = "new-password" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(_plane, HttpMethod.Get, "/v1/teams", other));
        using (var changed = await SendAsync(_plane, HttpMethod.Post, "/v1/auth/password", kept, new { current_password = "old-password", new_password = "new-password" }))
        {
            Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(_plane, HttpMethod.Get, "/v1/teams", other));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(_plane, HttpMethod.Get, "/v1/teams", kept));
        using (var old = await _plane.Http.PostAsJsonAsync("/v1/auth/login", new { email = "changing@example.org", password = "old-password" }, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        }

        await LoginAsync(_plane, "changing@example.org", "new-password");
    }

    [Fact]
    public async Task Tokens_name_their_key_and_a_token_naming_another_key_is_refused()
    {
        var token = await SignupAndLoginAsync(_plane, "kid@example.org", "password-123");
        var parsed = new JsonWebToken(token);
        Assert.Equal(SigningKeyEntity.UserTokens, parsed.Kid);

        // The real key's bytes under a kid the control plane does not have: refused (before key ids
        // were checked, any kid verified against the one key).
        var realKey = Convert.FromBase64String((await TestDatabase.QueryColumnAsync(_plane, "SELECT key FROM signing_keys WHERE purpose = 'user-jwt'")).Single());
        var unknownKid = Resign(parsed, new SymmetricSecurityKey(realKey) { KeyId = "user-jwt-0000000000000000" });
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(_plane, HttpMethod.Get, "/v1/teams", unknownKid));

        // A host-token key id on a user token: refused too.
        var hostKid = Resign(parsed, new SymmetricSecurityKey(realKey) { KeyId = SigningKeyEntity.HostTokens });
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(_plane, HttpMethod.Get, "/v1/teams", hostKid));

        // The same claims re-signed under the right kid still work: the refusals above are the kid's doing.
        var resigned = Resign(parsed, new SymmetricSecurityKey(realKey) { KeyId = SigningKeyEntity.UserTokens });
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(_plane, HttpMethod.Get, "/v1/teams", resigned));
    }

    [Fact]
    public async Task A_new_key_signs_after_a_restart_old_tokens_verify_until_their_key_is_retired()
    {
        var old = await SignupAndLoginAsync(_plane, "rotate@example.org", "password-123");
        var newKid = "user-jwt-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        var newKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var later = DateTime.UtcNow.AddMinutes(1).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        await TestDatabase.ExecuteAsync(_plane, $"INSERT INTO signing_keys (id, purpose, key, created_at) VALUES ('{newKid}', 'user-jwt', '{newKey}', '{later}')");

        await _plane.StopAsync();
        await using (var rotated = await RunningControlPlane.StartAsync(_plane.WrennDir, _plane.DatabaseUrl, configure: RunningControlPlane.OpenSignup))
        {
            var fresh = await LoginAsync(rotated, "rotate@example.org", "password-123");
            Assert.Equal(newKid, new JsonWebToken(fresh).Kid);
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(rotated, HttpMethod.Get, "/v1/teams", old));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(rotated, HttpMethod.Get, "/v1/teams", fresh));
            await TestDatabase.ExecuteAsync(rotated, $"UPDATE signing_keys SET retired_at = created_at WHERE id = '{SigningKeyEntity.UserTokens}'");
            await rotated.StopAsync();

            await using var retired = await RunningControlPlane.StartAsync(_plane.WrennDir, _plane.DatabaseUrl, configure: RunningControlPlane.OpenSignup);
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(retired, HttpMethod.Get, "/v1/teams", old));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(retired, HttpMethod.Get, "/v1/teams", fresh));
        }
    }

    [Fact]
    public void An_unknown_address_is_verified_against_the_dummy_hash_a_known_one_against_its_own()
    {
        var hasher = new RecordingHasher();
        var check = new PasswordCheck(hasher);
        var user = new UserEntity { Id = "user-0123456789abcdef", Email = "a@example.org", PasswordHash = hasher.HashPassword(null!, "right-password") };
        hasher.Verified.Clear();

        Assert.False(check.Verify(null, "right-password"));
        Assert.False(check.Verify(user, "wrong-password"));
        Assert.False(check.Verify(null, null));
        Assert.True(check.Verify(user, "right-password"));

        Assert.Equal([check.DummyHash, user.PasswordHash, check.DummyHash, user.PasswordHash], hasher.Verified);
        Assert.StartsWith("AQAAAA", check.DummyHash, StringComparison.Ordinal);
    }

    internal static async Task<string> SignupAndLoginAsync(RunningControlPlane plane, string email, string password)
    {
        using var signup = await plane.Http.PostAsJsonAsync("/v1/auth/signup", new { email, password }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, signup.StatusCode);
        return await LoginAsync(plane, email, password);
    }

    internal static async Task<string> LoginAsync(RunningControlPlane plane, string email, string password)
    {
        using var login = await plane.Http.PostAsJsonAsync("/v1/auth/login", new { email, password }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return (await login.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("token").GetString()!;
    }

    private static async Task<HttpStatusCode> StatusAsync(RunningControlPlane plane, HttpMethod method, string path, string token)
    {
        using var response = await SendAsync(plane, method, path, token, null);
        return response.StatusCode;
    }

    private static Task<HttpResponseMessage> SendAsync(RunningControlPlane plane, HttpMethod method, string path, string token, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static string Resign(JsonWebToken token, SecurityKey key) => new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
    {
        Issuer = token.Issuer,
        Audience = token.Audiences.Single(),
        NotBefore = token.ValidFrom,
        IssuedAt = token.IssuedAt,
        Expires = token.ValidTo,
        Subject = new ClaimsIdentity(token.Claims.Where(c => c.Type is "sub" or "email" or "jti")),
        SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
    });

    /// <summary>The real PBKDF2 hasher, noting which hash each verification was against.</summary>
    private sealed class RecordingHasher : IPasswordHasher<UserEntity>
    {
        private readonly PasswordHasher<UserEntity> _real = new();

        public List<string> Verified { get; } = [];

        public string HashPassword(UserEntity user, string password) => _real.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(UserEntity user, string hashedPassword, string providedPassword)
        {
            Verified.Add(hashedPassword);
            return _real.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}
