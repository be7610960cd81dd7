using System.Net;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Auth;

namespace Wrenn.ControlPlane.Tests.Auth;

/// <summary>
/// API keys verified moments ago are not read from the database again, and a revoked key still stops:
/// at once when revoked through this control plane, within WRENN_API_KEY_CACHE_SEC when removed
/// elsewhere (another replica: here, straight in the database).
/// </summary>
public sealed class ApiKeyCacheTests
{
    private static readonly DateTime Start = new(2026, 12, 6, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void An_entry_is_good_for_the_cache_lifetime_and_not_after()
    {
        var cache = new ApiKeyCache(Options.Create(new ControlPlaneOptions { ApiKeyCacheLifetime = TimeSpan.FromSeconds(10) }));
        cache.Remember("hash", new CachedApiKey("key", "team", null, Start), cache.Generation);

        Assert.True(cache.TryGet("hash", Start.AddSeconds(9.9), out var hit));
        Assert.Equal("team", hit.TeamId);
        Assert.False(cache.TryGet("hash", Start.AddSeconds(10), out _));
        Assert.False(cache.TryGet("other", Start, out _));
    }

    [Fact]
    public void A_key_read_before_a_revocation_is_not_remembered_after_it()
    {
        var cache = new ApiKeyCache(Options.Create(new ControlPlaneOptions { ApiKeyCacheLifetime = TimeSpan.FromSeconds(10) }));
        var generation = cache.Generation;
        cache.Clear();
        cache.Remember("hash", new CachedApiKey("key", "team", null, Start), generation);

        Assert.False(cache.TryGet("hash", Start, out _));
    }

    [Fact]
    public void Lifetime_zero_remembers_nothing()
    {
        var cache = new ApiKeyCache(Options.Create(new ControlPlaneOptions { ApiKeyCacheLifetime = TimeSpan.Zero }));
        cache.Remember("hash", new CachedApiKey("key", "team", null, Start), cache.Generation);

        Assert.False(cache.TryGet("hash", Start, out _));
    }

    [Fact]
    public async Task A_cached_key_revoked_through_this_control_plane_stops_at_once()
    {
        await using var plane = await RunningControlPlane.StartAsync(configure: Lifetime(TimeSpan.FromMinutes(5)));
        var api = new ControlPlaneApi(plane);
        var (owner, _, team) = await api.SignupAsync("owner@example.org");
        var created = await api.SendAsync(HttpMethod.Post, "/v1/api-keys", new { name = "k" }, HttpStatusCode.Created, owner, team: team);
        var key = created.GetProperty("key").GetString()!;
        await api.SendAsync(HttpMethod.Get, "/v1/sandboxes", null, HttpStatusCode.OK, apiKey: key);

        await api.SendAsync(HttpMethod.Delete, $"/v1/api-keys/{created.GetProperty("id").GetString()}", null, HttpStatusCode.NoContent, owner, team: team);

        await api.ErrorAsync(HttpMethod.Get, "/v1/sandboxes", null, HttpStatusCode.Unauthorized, "unauthorized", apiKey: key);
    }

    [Fact]
    public async Task A_cached_key_removed_elsewhere_works_until_the_lifetime_ends()
    {
        await using var plane = await RunningControlPlane.StartAsync(configure: Lifetime(TimeSpan.FromMinutes(5)));
        var api = new ControlPlaneApi(plane);
        var (key, keyId) = await KeyAsync(api);
        await api.SendAsync(HttpMethod.Get, "/v1/sandboxes", null, HttpStatusCode.OK, apiKey: key);

        await TestDatabase.ExecuteAsync(plane, $"DELETE FROM team_api_keys WHERE id = '{keyId}'");

        // Within the lifetime this replica has not seen the removal: the documented bound, not a leak.
        await api.SendAsync(HttpMethod.Get, "/v1/sandboxes", null, HttpStatusCode.OK, apiKey: key);
    }

    [Fact]
    public async Task A_key_removed_elsewhere_stops_once_the_lifetime_has_passed()
    {
        await using var plane = await RunningControlPlane.StartAsync(configure: Lifetime(TimeSpan.FromSeconds(1)));
        var api = new ControlPlaneApi(plane);
        var (key, keyId) = await KeyAsync(api);
        await api.SendAsync(HttpMethod.Get, "/v1/sandboxes", null, HttpStatusCode.OK, apiKey: key);

        await TestDatabase.ExecuteAsync(plane, $"DELETE FROM team_api_keys WHERE id = '{keyId}'");
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);

        await api.ErrorAsync(HttpMethod.Get, "/v1/sandboxes", null, HttpStatusCode.Unauthorized, "unauthorized", apiKey: key);
    }

    [Fact]
    public async Task Without_the_cache_a_key_removed_elsewhere_stops_at_once()
    {
        await using var plane = await RunningControlPlane.StartAsync(configure: Lifetime(TimeSpan.Zero));
        var api = new ControlPlaneApi(plane);
        var (key, keyId) = await KeyAsync(api);
        await api.SendAsync(HttpMethod.Get, "/v1/sandboxes", null, HttpStatusCode.OK, apiKey: key);

        await TestDatabase.ExecuteAsync(plane, $"DELETE FROM team_api_keys WHERE id = '{keyId}'");

        await api.ErrorAsync(HttpMethod.Get, "/v1/sandboxes", null, HttpStatusCode.Unauthorized, "unauthorized", apiKey: key);
    }

    [Fact]
    public async Task Last_used_is_still_recorded_for_a_cached_key()
    {
        await using var plane = await RunningControlPlane.StartAsync(configure: Lifetime(TimeSpan.FromMinutes(5)));
        var api = new ControlPlaneApi(plane);
        var (key, keyId) = await KeyAsync(api);
        await api.SendAsync(HttpMethod.Get, "/v1/sandboxes", null, HttpStatusCode.OK, apiKey: key);
        await api.SendAsync(HttpMethod.Get, "/v1/sandboxes", null, HttpStatusCode.OK, apiKey: key);

        // A text answer either provider reads the same way (PostgreSQL's timestamp is not a string).
        var lastUsed = await TestDatabase.QueryColumnAsync(plane, $"SELECT CASE WHEN last_used_at IS NULL THEN 'never' ELSE 'recorded' END FROM team_api_keys WHERE id = '{keyId}'");
        Assert.Equal("recorded", Assert.Single(lastUsed));
    }

    private static Action<ControlPlaneOptions> Lifetime(TimeSpan lifetime) => options =>
    {
        RunningControlPlane.OpenSignup(options);
        options.ApiKeyCacheLifetime = lifetime;
    };

    private static async Task<(string Key, string Id)> KeyAsync(ControlPlaneApi api)
    {
        var (owner, _, team) = await api.SignupAsync("owner@example.org");
        var created = await api.SendAsync(HttpMethod.Post, "/v1/api-keys", new { name = "k" }, HttpStatusCode.Created, owner, team: team);
        return (created.GetProperty("key").GetString()!, created.GetProperty("id").GetString()!);
    }
}
