using System.Text.Json;

namespace Wrenn.E2E.Tests;

/// <summary>
/// `wrenn login` and the commands that act with the session (hosts, API keys). On a platform of its own: on the
/// shared one other tests put the administrator in more teams, and then a session call must name its team
/// (X-Team-Id), which the CLI has no option for yet.
/// </summary>
[Collection(OwnPlatformCollection.Name)]
public sealed class CliLoginTests
{
    [Fact]
    public async Task Login_then_account_commands_work_as_the_administrator()
    {
        await using var platform = await RunningPlatform.StartAsync(TestContext.Current.CancellationToken);

        // A config home of this test's own: the session `wrenn login` adds must not reach the other tests.
        var home = Directory.CreateTempSubdirectory("wrenn-cli-login-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(home, "wrenn"));
            File.Copy(Path.Combine(platform.Root, "config", "wrenn", "config.json"), Path.Combine(home, "wrenn", "config.json"));
            var admin = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(platform.WrennDir, "admin-credentials.json"), TestContext.Current.CancellationToken)).RootElement;

            Assert.Equal(1, (await CliTests.WrennInAsync(home, null, "host", "ls")).Code);
            var login = await CliTests.WrennInAsync(home, admin.GetProperty("password").GetString() + "\n", "login", "--email", admin.GetProperty("email").GetString()!, "--password-stdin");
            Assert.True(login.Code == 0, login.Error);
            Assert.Contains("logged in as " + admin.GetProperty("email").GetString(), login.Error, StringComparison.Ordinal);

            var hosts = await CliTests.WrennInAsync(home, null, "host", "ls");
            Assert.True(hosts.Code == 0, hosts.Error);
            Assert.Matches(@"(?m)^host-\S+ +ready ", hosts.Output);

            var made = await CliTests.WrennInAsync(home, null, "apikey", "create", "cli-e2e", "--json");
            Assert.True(made.Code == 0, made.Error);
            var key = JsonDocument.Parse(made.Output).RootElement;
            var keyId = key.GetProperty("id").GetString()!;
            Assert.Contains(keyId, (await CliTests.WrennInAsync(home, null, "apikey", "ls")).Output, StringComparison.Ordinal);
            Assert.Equal(0, (await CliTests.WrennInAsync(home, null, "sandbox", "ls", "--api-key", key.GetProperty("key").GetString()!)).Code);
            Assert.Equal(0, (await CliTests.WrennInAsync(home, null, "apikey", "rm", keyId)).Code);
            var revoked = await CliTests.WrennInAsync(home, null, "sandbox", "ls", "--api-key", key.GetProperty("key").GetString()!);
            Assert.Equal(1, revoked.Code);
            Assert.Contains("(401 ", revoked.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
