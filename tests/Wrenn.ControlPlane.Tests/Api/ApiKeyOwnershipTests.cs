using System.Net;

namespace Wrenn.ControlPlane.Tests.Api;

/// <summary>Only a team's owners manage its API keys, and a removed member's keys stop working.</summary>
public sealed class ApiKeyOwnershipTests : IAsyncLifetime
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
    public async Task Members_cannot_create_or_delete_the_teams_keys()
    {
        var (owner, team, member) = await TeamWithMemberAsync("a");
        var ownersKey = await _api.SendAsync(HttpMethod.Post, "/v1/api-keys", new { name = "owners" }, HttpStatusCode.Created, owner, team: team);

        await _api.ErrorAsync(HttpMethod.Post, "/v1/api-keys", new { name = "mine" }, HttpStatusCode.Forbidden, "forbidden", member.Token, team: team);
        await _api.ErrorAsync(HttpMethod.Delete, $"/v1/api-keys/{ownersKey.GetProperty("id").GetString()}", null, HttpStatusCode.Forbidden, "forbidden", member.Token, team: team);
        var keys = await _api.SendAsync(HttpMethod.Get, "/v1/api-keys", null, HttpStatusCode.OK, owner, team: team);
        Assert.Single(keys.GetProperty("api_keys").EnumerateArray());
    }

    [Fact]
    public async Task Removing_a_member_revokes_the_keys_they_made_and_keeps_the_others()
    {
        var (owner, team, member) = await TeamWithMemberAsync("b");
        // Only owners make keys, so the one removed here is a second owner.
        var (second, secondId, _) = await _api.SignupAsync("second-owner-b@example.org");
        await _api.SendAsync(HttpMethod.Post, $"/v1/teams/{team}/members", new { email = "second-owner-b@example.org", role = "owner" }, HttpStatusCode.Created, owner);
        var secondsKey = await _api.CreateApiKeyAsync(second, team);
        var ownersKey = await _api.CreateApiKeyAsync(owner, team);
        await _api.SendAsync(HttpMethod.Get, "/v1/sandboxes", null, HttpStatusCode.OK, apiKey: secondsKey);

        await _api.SendAsync(HttpMethod.Delete, $"/v1/teams/{team}/members/{secondId}", null, HttpStatusCode.NoContent, owner);
        await _api.ErrorAsync(HttpMethod.Get, "/v1/sandboxes", null, HttpStatusCode.Unauthorized, "unauthorized", apiKey: secondsKey);
        await _api.SendAsync(HttpMethod.Get, "/v1/sandboxes", null, HttpStatusCode.OK, apiKey: ownersKey);
        Assert.Equal(member.UserId, (await TestDatabase.QueryColumnAsync(_plane, $"SELECT user_id FROM users_teams WHERE team_id = '{team}' AND role = 'member'")).Single());
    }

    private async Task<(string Owner, string Team, (string Token, string UserId) Member)> TeamWithMemberAsync(string tag)
    {
        var (owner, _, _) = await _api.SignupAsync($"owner-{tag}@example.org");
        var team = (await _api.SendAsync(HttpMethod.Post, "/v1/teams", new { name = "shared " + tag }, HttpStatusCode.Created, owner)).GetProperty("id").GetString()!;
        var (member, memberId, _) = await _api.SignupAsync($"member-{tag}@example.org");
        await _api.SendAsync(HttpMethod.Post, $"/v1/teams/{team}/members", new { email = $"member-{tag}@example.org" }, HttpStatusCode.Created, owner);
        return (owner, team, (member, memberId));
    }
}
