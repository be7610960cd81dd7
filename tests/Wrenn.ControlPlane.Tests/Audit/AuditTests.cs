using System.Net;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.Audit;

/// <summary>GET /v1/audit: who did what from where, for a team's owners and for administrators only.</summary>
public sealed class AuditTests : IAsyncLifetime
{
    private RunningControlPlane _plane = null!;
    private ControlPlaneApi _api = null!;

    public async ValueTask InitializeAsync()
    {
        _plane = await RunningControlPlane.StartAsync(configure: RunningControlPlane.OpenSignup);
        _api = new ControlPlaneApi(_plane);
    }

    public async ValueTask DisposeAsync()
    {
        await _plane.DisposeAsync();
    }

    [Fact]
    public async Task Key_team_and_sign_up_actions_are_recorded_with_actor_target_and_address_newest_first()
    {
        var (owner, ownerId, team) = await _api.SignupAsync("audited@example.org");
        var key = await _api.SendAsync(HttpMethod.Post, "/v1/api-keys", new { name = "ci" }, HttpStatusCode.Created, owner, team: team);
        var keyId = key.GetProperty("id").GetString()!;
        await _api.SendAsync(HttpMethod.Delete, $"/v1/api-keys/{keyId}", null, HttpStatusCode.NoContent, owner, team: team);

        var events = await EventsAsync(owner, team);
        Assert.Equal(["api_key.delete", "api_key.create", "auth.signup"], events.Select(e => e.GetProperty("action").GetString()));
        var created = events[1];
        Assert.Equal(ownerId, created.GetProperty("actor_user_id").GetString());
        Assert.Equal(keyId, created.GetProperty("target_id").GetString());
        Assert.Equal(team, created.GetProperty("team_id").GetString());
        Assert.Equal("127.0.0.1", created.GetProperty("address").GetString());
        Assert.True(created.GetProperty("at").GetDateTime() > DateTime.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task Members_and_outsiders_get_403_owners_see_only_their_team_and_administrators_see_all()
    {
        var (owner, _, team) = await _api.SignupAsync("boss@example.org");
        var (member, _, _) = await _api.SignupAsync("staff@example.org");
        await _api.SendAsync(HttpMethod.Post, $"/v1/teams/{team}/members", new { email = "staff@example.org" }, HttpStatusCode.Created, owner);
        var (outsider, _, outsiderTeam) = await _api.SignupAsync("nosy@example.org");

        await _api.ErrorAsync(HttpMethod.Get, $"/v1/audit?team_id={team}", null, HttpStatusCode.Forbidden, "forbidden", member);
        await _api.ErrorAsync(HttpMethod.Get, $"/v1/audit?team_id={team}", null, HttpStatusCode.Forbidden, "forbidden", outsider);
        await _api.ErrorAsync(HttpMethod.Get, "/v1/audit", null, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.All(await EventsAsync(owner, team), e => Assert.Equal(team, e.GetProperty("team_id").GetString()));

        var (admin, _) = await _api.AdminAsync();
        var all = await _api.SendAsync(HttpMethod.Get, "/v1/audit", null, HttpStatusCode.OK, admin);
        var teams = all.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("team_id").GetString()).ToHashSet();
        Assert.Contains(team, teams);
        Assert.Contains(outsiderTeam, teams);
    }

    [Fact]
    public async Task Logins_failed_logins_password_changes_and_logouts_are_recorded_for_administrators()
    {
        var (_, userId, _) = await _api.SignupAsync("session-audit@example.org");
        await _api.ErrorAsync(HttpMethod.Post, "/v1/auth/login", new { email = "session-audit@example.org", password = "not the password" }, HttpStatusCode.Unauthorized, "unauthorized");
        var session = (await _api.SendAsync(HttpMethod.Post, "/v1/auth/login", new { email = "session-audit@example.org", password = "long enough password" }, HttpStatusCode.OK)).GetProperty("token").GetString()!;
        await _api.SendAsync(HttpMethod.Post, "/v1/auth/password", new { current_password = "long enough password", new_password = "another long password" }, HttpStatusCode.NoContent, session);
        await _api.SendAsync(HttpMethod.Post, "/v1/auth/logout", null, HttpStatusCode.NoContent, session);

        var (admin, _) = await _api.AdminAsync();
        var all = (await _api.SendAsync(HttpMethod.Get, "/v1/audit?limit=100", null, HttpStatusCode.OK, admin)).GetProperty("events").EnumerateArray().ToList();
        var mine = all.Where(e => e.GetProperty("target_id").GetString() == userId).Select(e => e.GetProperty("action").GetString()).ToList();

        // Newest first: the sign-up's own login (the helper logs in once) comes before the failed one.
        Assert.Equal(["auth.logout", "auth.password_changed", "auth.login", "auth.login_failed", "auth.login", "auth.signup"], mine);
        var failed = all.First(e => e.GetProperty("action").GetString() == "auth.login_failed" && e.GetProperty("target_id").GetString() == userId);
        Assert.Equal("127.0.0.1", failed.GetProperty("address").GetString());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("team_id").ValueKind);
    }

    [Fact]
    public async Task Pages_follow_the_cursor_without_gaps_or_repeats()
    {
        var (owner, _, team) = await _api.SignupAsync("pager@example.org");
        for (var i = 0; i < 4; i++)
        {
            await _api.CreateApiKeyAsync(owner, team);
        }

        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = await _api.SendAsync(HttpMethod.Get, $"/v1/audit?team_id={team}&limit=2" + (cursor is null ? string.Empty : "&cursor=" + cursor), null, HttpStatusCode.OK, owner);
            seen.AddRange(page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(5, seen.Count);
        Assert.Equal(seen.OrderDescending(), seen);
        await _api.ErrorAsync(HttpMethod.Get, $"/v1/audit?team_id={team}&cursor=bogus", null, HttpStatusCode.BadRequest, "bad_request", owner);
    }

    private async Task<List<JsonElement>> EventsAsync(string token, string team) =>
        [.. (await _api.SendAsync(HttpMethod.Get, $"/v1/audit?team_id={team}", null, HttpStatusCode.OK, token)).GetProperty("events").EnumerateArray()];
}
