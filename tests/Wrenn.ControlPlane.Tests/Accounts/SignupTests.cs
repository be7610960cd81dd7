using System.Net;

namespace Wrenn.ControlPlane.Tests.Accounts;

/// <summary>WRENN_SIGNUP: closed by default, invites, and who may make them.</summary>
public sealed class SignupTests
{
    [Fact]
    public async Task By_default_sign_up_is_closed_with_a_403_in_the_envelope_and_no_account_made()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        var api = new ControlPlaneApi(plane);
        await api.ErrorAsync(HttpMethod.Post, "/v1/auth/signup", new { email = "stranger@example.org", password = "long enough password" }, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(["admin@wrenn.local"], await TestDatabase.QueryColumnAsync(plane, "SELECT email FROM users"));
    }

    [Fact]
    public async Task An_administrators_invite_admits_one_sign_up_for_its_email_once()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        var api = new ControlPlaneApi(plane);
        var (admin, adminTeam) = await api.AdminAsync();
        var invite = await api.SendAsync(HttpMethod.Post, "/v1/invites", new { email = "Invited@Example.org", team_id = adminTeam }, HttpStatusCode.Created, admin);
        var code = invite.GetProperty("code").GetString()!;

        // Wrong email, made-up code: refused, nothing made.
        await api.ErrorAsync(HttpMethod.Post, "/v1/auth/signup", new { email = "other@example.org", password = "long enough password", invite = code }, HttpStatusCode.Forbidden, "forbidden");
        await api.ErrorAsync(HttpMethod.Post, "/v1/auth/signup", new { email = "invited@example.org", password = "long enough password", invite = "wri_" + new string('0', 32) }, HttpStatusCode.Forbidden, "forbidden");

        var (token, userId, _) = await api.SignupAsync("invited@example.org", code);
        var teams = await api.SendAsync(HttpMethod.Get, "/v1/teams", null, HttpStatusCode.OK, token);
        Assert.Contains(teams.GetProperty("teams").EnumerateArray(), t => t.GetProperty("id").GetString() == adminTeam && t.GetProperty("role").GetString() == "member");

        // Used once: a second sign-up with it is refused.
        await api.ErrorAsync(HttpMethod.Post, "/v1/auth/signup", new { email = "invited@example.org", password = "long enough password", invite = code }, HttpStatusCode.Forbidden, "forbidden");
        var listed = await api.SendAsync(HttpMethod.Get, "/v1/invites", null, HttpStatusCode.OK, admin);
        var only = Assert.Single(listed.GetProperty("invites").EnumerateArray());
        Assert.Equal(userId, only.GetProperty("used_by").GetString());
        Assert.False(only.TryGetProperty("code", out _), "a listed invite must not include its code");
    }

    [Fact]
    public async Task Under_closed_sign_up_only_administrators_invite_and_under_invite_owners_invite_for_their_team()
    {
        await using (var closed = await RunningControlPlane.StartAsync())
        {
            var api = new ControlPlaneApi(closed);
            var (admin, _) = await api.AdminAsync();
            var code = (await api.SendAsync(HttpMethod.Post, "/v1/invites", new { }, HttpStatusCode.Created, admin)).GetProperty("code").GetString()!;
            var (owner, _, ownTeam) = await api.SignupAsync("first@example.org", code);
            await api.ErrorAsync(HttpMethod.Post, "/v1/invites", new { team_id = ownTeam }, HttpStatusCode.Forbidden, "forbidden", owner);
        }

        await using var invite = await RunningControlPlane.StartAsync(configure: options => options.Signup = Wrenn.ControlPlane.Accounts.SignupMode.Invite);
        var inviteApi = new ControlPlaneApi(invite);
        await inviteApi.ErrorAsync(HttpMethod.Post, "/v1/auth/signup", new { email = "stranger@example.org", password = "long enough password" }, HttpStatusCode.Forbidden, "forbidden");
        var (inviteAdmin, adminTeam) = await inviteApi.AdminAsync();
        var ownerCode = (await inviteApi.SendAsync(HttpMethod.Post, "/v1/invites", new { }, HttpStatusCode.Created, inviteAdmin)).GetProperty("code").GetString()!;
        var (teamOwner, _, team) = await inviteApi.SignupAsync("owner@example.org", ownerCode);
        // An owner invites for the team they own, not for one they do not, and not without a team.
        await inviteApi.ErrorAsync(HttpMethod.Post, "/v1/invites", new { team_id = adminTeam }, HttpStatusCode.Forbidden, "forbidden", teamOwner);
        await inviteApi.ErrorAsync(HttpMethod.Post, "/v1/invites", new { }, HttpStatusCode.Forbidden, "forbidden", teamOwner);
        var teamCode = (await inviteApi.SendAsync(HttpMethod.Post, "/v1/invites", new { team_id = team }, HttpStatusCode.Created, teamOwner)).GetProperty("code").GetString()!;
        var (joiner, _, _) = await inviteApi.SignupAsync("joiner@example.org", teamCode);
        var members = await inviteApi.SendAsync(HttpMethod.Get, $"/v1/teams/{team}/members", null, HttpStatusCode.OK, joiner);
        Assert.Equal(2, members.GetProperty("members").GetArrayLength());
    }

    [Fact]
    public async Task A_bad_WRENN_SIGNUP_value_is_refused()
    {
        Assert.True(Wrenn.ControlPlane.Accounts.AccountEnvironment.TryParseSignup("OPEN", out var open));
        Assert.Equal(Wrenn.ControlPlane.Accounts.SignupMode.Open, open);
        Assert.False(Wrenn.ControlPlane.Accounts.AccountEnvironment.TryParseSignup("yes", out _));
        Assert.False(Wrenn.ControlPlane.Accounts.AccountEnvironment.TryParseSignup("3", out _));
    }
}
