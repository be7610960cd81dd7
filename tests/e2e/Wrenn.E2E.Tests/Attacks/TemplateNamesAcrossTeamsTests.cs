using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.E2E.Tests.Attacks;

/// <summary>
/// Template names across teams: names were global, so a 409 told one team another's names, and a
/// template left on a host under its name could be started by any team that guessed it. Names are
/// per team now and hosts store templates under their ids.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class TemplateNamesAcrossTeamsTests(PlatformFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_teams_each_own_a_py_and_neither_reaches_the_others_by_name_id_or_leftover()
    {
        var teamA = new PlatformCalls(fixture.Platform);
        using var otherTeamHttp = await OtherTeamAsync();
        var teamB = new PlatformCalls(fixture.Platform, otherTeamHttp);
        var templatesDir = Path.Combine(fixture.Platform.WrennDir, "templates");
        var sandboxes = new List<(PlatformCalls Team, string Id)>();
        var leftover = Path.Combine(templatesDir, "e2e-leftover");
        try
        {
            var sourceA = await teamA.CreateSandboxAsync(new { });
            sandboxes.Add((teamA, sourceA));
            await teamA.ExecAsync(sourceA, "echo team-a > /home/user/who");
            var before = Directory.Exists(templatesDir) ? Directory.GetDirectories(templatesDir) : [];
            await teamA.PostAsync("/v1/snapshots", new { sandbox_id = sourceA, name = "py" }, HttpStatusCode.Created);

            // The host stores it under an id, not under "py".
            var idOfA = Path.GetFileName(Assert.Single(Directory.GetDirectories(templatesDir).Except(before)));
            Assert.StartsWith("tpl-", idOfA, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(templatesDir, "py")));

            // Team B may call its own template "py" too (this was a 409 that gave A's name away).
            var sourceB = await teamB.CreateSandboxAsync(new { });
            sandboxes.Add((teamB, sourceB));
            await teamB.ExecAsync(sourceB, "echo team-b > /home/user/who");
            await teamB.PostAsync("/v1/snapshots", new { sandbox_id = sourceB, name = "py" }, HttpStatusCode.Created);
            Assert.Equal(["py"], (await teamB.GetAsync("/v1/snapshots", HttpStatusCode.OK)).GetProperty("snapshots").EnumerateArray().Select(t => t.GetProperty("name").GetString()));

            // Each team's "py" is its own.
            foreach (var (team, expected) in new[] { (teamA, "team-a\n"), (teamB, "team-b\n") })
            {
                var child = await team.CreateSandboxAsync(new { template = "py" });
                sandboxes.Add((team, child));
                Assert.Equal(expected, await team.ExecAsync(child, "cat /home/user/who"));
            }

            // B cannot start from A's template by its id either.
            await teamB.PostAsync("/v1/sandboxes", new { template = idOfA }, HttpStatusCode.NotFound);

            // A template left on the host under a name (by an older agent, or a failed clean-up) is
            // nobody's to start: a name never reaches a template on a host.
            CopyTree(Path.Combine(templatesDir, idOfA), leftover);
            await teamB.PostAsync("/v1/sandboxes", new { template = "e2e-leftover" }, HttpStatusCode.NotFound);

            foreach (var (team, id) in sandboxes)
            {
                await team.DeleteSandboxQuietlyAsync(id);
            }

            sandboxes.Clear();
            await teamA.DeleteAsync("/v1/snapshots/py", HttpStatusCode.NoContent);
            Assert.Single((await teamB.GetAsync("/v1/snapshots", HttpStatusCode.OK)).GetProperty("snapshots").EnumerateArray());
            await teamB.DeleteAsync("/v1/snapshots/py", HttpStatusCode.NoContent);
        }
        finally
        {
            foreach (var (team, id) in sandboxes)
            {
                await team.DeleteSandboxQuietlyAsync(id);
            }

            if (Directory.Exists(leftover))
            {
                Directory.Delete(leftover, recursive: true);
            }
        }
    }

    /// <summary>A client for a second team: the first administrator makes the team and an API key for it.</summary>
    private async Task<HttpClient> OtherTeamAsync()
    {
        var admin = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(fixture.Platform.WrennDir, "admin-credentials.json"), Token)).RootElement;
        using var session = new HttpClient { BaseAddress = fixture.Platform.ApiUrl };
        using (var login = await session.PostAsJsonAsync("/v1/auth/login", new { email = admin.GetProperty("email").GetString(), password = admin.GetProperty("password").GetString() }, Token))
        {
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            session.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", JsonDocument.Parse(await login.Content.ReadAsStringAsync(Token)).RootElement.GetProperty("token").GetString());
        }

        using var team = await session.PostAsJsonAsync("/v1/teams", new { name = "other team " + Guid.NewGuid().ToString("N")[..6] }, Token);
        Assert.Equal(HttpStatusCode.Created, team.StatusCode);
        var teamId = JsonDocument.Parse(await team.Content.ReadAsStringAsync(Token)).RootElement.GetProperty("id").GetString()!;
        using var keyRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/api-keys") { Content = JsonContent.Create(new { name = "b" }) };
        keyRequest.Headers.Add("X-Team-Id", teamId);
        using var key = await session.SendAsync(keyRequest, Token);
        Assert.Equal(HttpStatusCode.Created, key.StatusCode);
        var client = new HttpClient { BaseAddress = fixture.Platform.ApiUrl };
        client.DefaultRequestHeaders.Add("X-API-Key", JsonDocument.Parse(await key.Content.ReadAsStringAsync(Token)).RootElement.GetProperty("key").GetString());
        return client;
    }

    private static void CopyTree(string from, string to)
    {
        var copy = System.Diagnostics.Process.Start("cp", ["-a", "--", from, to])!;
        copy.WaitForExit();
        Assert.Equal(0, copy.ExitCode);
    }
}
