using System.Net;

namespace Wrenn.Sdk.Tests;

/// <summary>
/// A user in several teams names the team: <see cref="WrennSettings.TeamId"/> (or <see cref="WrennOptions.TeamId"/>)
/// goes as X-Team-Id with session calls, never with API-key calls, and nothing is sent when none is named.
/// </summary>
[Collection(SdkCollection.Name)]
public sealed class TeamTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static WrennClient Client(HttpClient http, string? team) =>
        new(http, new WrennSettings(new Uri("http://127.0.0.1:9"), "wrn_key") { SessionToken = "the-session", TeamId = team }, new WrennOptions { RetryDelay = TimeSpan.FromMilliseconds(1) });

    [Fact]
    public async Task Session_calls_name_the_team_and_api_key_calls_do_not()
    {
        using var handler = new ScriptedHandler((HttpStatusCode.OK, """{"api_keys": []}"""), (HttpStatusCode.OK, """{"snapshots": []}"""));
        using var http = new HttpClient(handler);
        var client = Client(http, "team-2");

        await client.ApiKeys.ListAsync(Token);
        await client.ListTemplatesAsync(Token);

        Assert.Equal(["team-2"], handler.Requests[0].Headers.GetValues(WrennClient.TeamHeader));
        Assert.False(handler.Requests[1].Headers.Contains(WrennClient.TeamHeader));
    }

    [Fact]
    public async Task Without_a_team_session_calls_send_none()
    {
        using var handler = new ScriptedHandler((HttpStatusCode.OK, """{"api_keys": []}"""));
        using var http = new HttpClient(handler);

        await Client(http, team: null).ApiKeys.ListAsync(Token);

        Assert.False(handler.Requests.Single().Headers.Contains(WrennClient.TeamHeader));
    }

    [Fact]
    public void Options_give_the_team_to_the_resolved_settings()
    {
        var settings = WrennSettings.Resolve(new WrennOptions { ApiUrl = "http://127.0.0.1:9", ApiKey = "wrn_key", TeamId = "team-3" });
        Assert.Equal("team-3", settings.TeamId);
    }
}
