using System.Text.Json;

namespace Wrenn.Sdk.Tests;

/// <summary>
/// Account and host calls against the platform run-tests.sh names, as its first administrator (whose
/// credentials `wrenn up` wrote to $WRENN_TEST_PLATFORM_DIR/admin-credentials.json).
/// </summary>
[Collection(SdkCollection.Name)]
public sealed class AccountScenarioTests : IAsyncLifetime
{
    private readonly WrennClient _client = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var dir = Environment.GetEnvironmentVariable("WRENN_TEST_PLATFORM_DIR")
            ?? throw new InvalidOperationException("WRENN_TEST_PLATFORM_DIR is not set: run through scripts/with-platform.sh");
        using var credentials = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "admin-credentials.json"), Token));
        var session = await _client.LoginAsync(credentials.RootElement.GetProperty("email").GetString()!, credentials.RootElement.GetProperty("password").GetString()!, Token);
        Assert.NotEmpty(session.Token);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_new_api_key_works_until_it_is_revoked()
    {
        var made = await _client.ApiKeys.CreateAsync("sdk-scenario", Token);
        Assert.StartsWith("wrn_", made.Key, StringComparison.Ordinal);
        Assert.Contains(made.Id, (await _client.ApiKeys.ListAsync(Token)).Select(k => k.Id));

        using (var withKey = new WrennClient(new WrennOptions { ApiKey = made.Key }))
        {
            await withKey.ListTemplatesAsync(Token);
            await _client.ApiKeys.DeleteAsync(made.Id, Token);
            await Assert.ThrowsAsync<WrennUnauthorizedException>(() => withKey.ListTemplatesAsync(Token));
        }

        Assert.DoesNotContain(made.Id, (await _client.ApiKeys.ListAsync(Token)).Select(k => k.Id));
    }

    [Fact]
    public async Task Hosts_are_listed_added_and_removed()
    {
        Assert.Contains((await _client.Hosts.ListAsync(Token)), h => h.State == "ready" && h.Cpus > 0 && h.Address.Length > 0);

        var added = await _client.Hosts.CreateAsync(Token);
        Assert.True(added.ExpiresAt > DateTime.UtcNow, $"expires at {added.ExpiresAt:O}");
        Assert.Equal("pending", (await _client.Hosts.ListAsync(Token)).Single(h => h.Id == added.HostId).State);
        Assert.NotEqual(added.RegistrationToken, (await _client.Hosts.NewTokenAsync(added.HostId, Token)).RegistrationToken);

        await _client.Hosts.DeleteAsync(added.HostId, Token);
        Assert.DoesNotContain(added.HostId, (await _client.Hosts.ListAsync(Token)).Select(h => h.Id));
        await Assert.ThrowsAsync<WrennNotFoundException>(() => _client.Hosts.DeleteAsync(added.HostId, Token));
    }

    [Fact]
    public async Task A_drained_host_takes_no_new_sandboxes_until_undrained()
    {
        var host = (await _client.Hosts.ListAsync(Token)).Single(h => h.State == "ready");
        try
        {
            Assert.Equal("draining", (await _client.Hosts.DrainAsync(host.Id, Token)).State);
            Assert.Equal("draining", (await _client.Hosts.ListAsync(Token)).Single(h => h.Id == host.Id).State);

            // The only host drains: nowhere to put a sandbox.
            var refused = await Assert.ThrowsAsync<WrennSandboxException>(() => _client.CreateSandboxAsync(cancellationToken: Token));
            Assert.Equal(503, refused.Status);
        }
        finally
        {
            Assert.Equal("ready", (await _client.Hosts.UndrainAsync(host.Id, Token)).State);
        }

        await using var sandbox = await _client.CreateSandboxAsync(cancellationToken: Token);
        Assert.Equal(host.Id, sandbox.Info.HostId);
    }
}
