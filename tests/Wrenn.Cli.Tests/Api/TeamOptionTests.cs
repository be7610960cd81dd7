using System.Net;

namespace Wrenn.Cli.Tests.Api;

/// <summary>
/// A user in two teams names the team login-session calls act for: `--team ID` (or WRENN_TEAM) goes to
/// the API as X-Team-Id with the session; without either nothing is sent (the user's only team); calls
/// with an API key never send it (the key carries its team).
/// </summary>
public sealed class TeamOptionTests
{
    private const string Keys = """{"api_keys": []}""";

    [Fact]
    public async Task Team_flag_is_sent_as_X_Team_Id_with_the_session()
    {
        await using var api = new FakeApi((HttpStatusCode.OK, Keys));
        using var cli = new CliProcess();
        await cli.WriteConfigAsync(api.Url, "wrn_key", "the-session");

        var (code, _, error) = await cli.RunAsync("apikey", "ls", "--team", "team-2");

        Assert.True(code == 0, error);
        Assert.Equal([("GET /v1/api-keys", "Bearer the-session", (string?)null)], api.Requests);
        Assert.Equal(["team-2"], api.TeamHeaders);
    }

    [Fact]
    public async Task WRENN_TEAM_names_the_team_and_the_flag_wins_over_it()
    {
        await using var api = new FakeApi((HttpStatusCode.OK, Keys), (HttpStatusCode.OK, Keys));
        using var cli = new CliProcess();
        await cli.WriteConfigAsync(api.Url, "wrn_key", "the-session");
        cli.Environment["WRENN_TEAM"] = "team-from-env";

        var (code, _, error) = await cli.RunAsync("apikey", "ls");
        Assert.True(code == 0, error);
        (code, _, error) = await cli.RunAsync("apikey", "ls", "--team", "team-from-flag");
        Assert.True(code == 0, error);

        Assert.Equal(["team-from-env", "team-from-flag"], api.TeamHeaders);
    }

    [Fact]
    public async Task Without_a_team_none_is_sent_and_the_servers_refusal_is_one_line()
    {
        await using var api = new FakeApi((HttpStatusCode.BadRequest, """{"error": {"code": "bad_request", "message": "you belong to 2 teams; name one in the X-Team-Id header"}}"""));
        using var cli = new CliProcess();
        await cli.WriteConfigAsync(api.Url, "wrn_key", "the-session");

        var (code, output, error) = await cli.RunAsync("apikey", "ls");

        Assert.Equal([(string?)null], api.TeamHeaders);
        Assert.Equal((1, string.Empty, "wrenn: you belong to 2 teams; name one in the X-Team-Id header (400 bad_request)\n"), (code, output, error));
    }

    [Fact]
    public async Task Api_key_calls_do_not_send_the_team()
    {
        await using var api = new FakeApi((HttpStatusCode.OK, """{"snapshots": []}"""));
        using var cli = new CliProcess();
        await cli.WriteConfigAsync(api.Url, "wrn_key", "the-session");

        var (code, _, error) = await cli.RunAsync("template", "ls", "--team", "team-2");

        Assert.True(code == 0, error);
        Assert.Equal("wrn_key", api.Requests.Single().ApiKey);
        Assert.Equal([(string?)null], api.TeamHeaders);
    }
}
