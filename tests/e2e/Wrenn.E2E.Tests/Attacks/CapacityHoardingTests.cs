using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.Tests.Shared;

namespace Wrenn.E2E.Tests.Attacks;

/// <summary>
/// A tenant who tries to hold more than its share: past its quota a create is 429 quota_exceeded and
/// nothing starts on the host; once an administrator raises the quota the same create runs, and the
/// audit log names who created and deleted the sandbox, with which key, from which address.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class CapacityHoardingTests(PlatformFixture fixture)
{
    private PlatformCalls Api => new(fixture.Platform);

    [Fact]
    public async Task Over_quota_nothing_starts_and_after_the_administrator_raises_it_the_create_runs_and_is_audited()
    {
        var ct = TestContext.Current.CancellationToken;
        var admin = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(fixture.Platform.WrennDir, "admin-credentials.json"), ct)).RootElement;
        var teamId = admin.GetProperty("team_id").GetString()!;
        using var login = await fixture.Platform.Http.PostAsJsonAsync("/v1/auth/login", new { email = admin.GetProperty("email").GetString(), password = admin.GetProperty("password").GetString() }, ct);
        var token = JsonDocument.Parse(await login.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("token").GetString()!;
        using var session = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = fixture.Platform.ApiUrl };
        session.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        string? id = null;
        try
        {
            using (var capped = await session.PutAsJsonAsync($"/v1/teams/{teamId}/quotas", new { sandboxes = 0 }, ct))
            {
                Assert.Equal(HttpStatusCode.OK, capped.StatusCode);
            }

            const string everyState = "/v1/sandboxes?state=starting,running,pausing,paused,resuming,stopped,error&limit=1000";
            var rows = (await Api.GetAsync(everyState, HttpStatusCode.OK)).GetProperty("sandboxes").GetArrayLength();
            var before = HostSnapshot.Take();
            var refused = await Api.PostAsync("/v1/sandboxes", new { }, HttpStatusCode.TooManyRequests);
            Assert.Equal("quota_exceeded", refused.GetProperty("error").GetProperty("code").GetString());
            Assert.Empty(HostSnapshot.Take().NewSince(before, fixture.Platform.WrennDir));
            Assert.Equal(rows, (await Api.GetAsync(everyState, HttpStatusCode.OK)).GetProperty("sandboxes").GetArrayLength());

            // Back to the installation's defaults: the same create runs.
            using (var raised = await session.PutAsJsonAsync($"/v1/teams/{teamId}/quotas", new { }, ct))
            {
                Assert.Equal(HttpStatusCode.OK, raised.StatusCode);
            }

            id = await Api.CreateSandboxAsync(new { });
            Assert.Equal("ok\n", await Api.ExecAsync(id, "echo ok"));
            await Api.DeleteAsync($"/v1/sandboxes/{id}", HttpStatusCode.NoContent);

            var events = JsonDocument.Parse(await session.GetStringAsync(new Uri($"/v1/audit?team_id={teamId}", UriKind.Relative), ct)).RootElement.GetProperty("events").EnumerateArray()
                .Where(e => e.GetProperty("target_id").GetString() == id)
                .ToList();
            Assert.Equal(["sandbox.delete", "sandbox.create"], events.Select(e => e.GetProperty("action").GetString()));
            Assert.All(events, e =>
            {
                Assert.StartsWith("key-", e.GetProperty("actor_api_key_id").GetString(), StringComparison.Ordinal);
                Assert.Equal("127.0.0.1", e.GetProperty("address").GetString());
            });
        }
        finally
        {
            using var _ = await session.PutAsJsonAsync($"/v1/teams/{teamId}/quotas", new { }, CancellationToken.None);
            if (id is not null)
            {
                await Api.DeleteSandboxQuietlyAsync(id);
            }
        }
    }
}
