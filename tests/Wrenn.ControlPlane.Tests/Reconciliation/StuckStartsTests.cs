using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Tests.Reconciliation;

/// <summary>
/// The database fails between the agent's create and the control plane's write of <c>running</c> (the
/// test stops PostgreSQL from inside the in-memory agent's create): the create answers 503 and the row
/// stays <c>starting</c>. Once the database is back and the grace (WRENN_STARTING_GRACE_SEC) has passed,
/// the reconciler settles each such row from what the host lists: running there is running (and usable),
/// gone from the host is <c>error</c>, failed on the host is <c>error</c> and destroyed there.
/// </summary>
public sealed class StuckStartsTests
{
    private static readonly TimeSpan Settled = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Sandboxes_left_starting_by_a_database_failure_are_settled_from_what_the_host_lists()
    {
        // The server is this test's own (it stops it): the PostgreSQL pass of `make test` would only run it twice.
        Assert.SkipWhen(TestDatabase.IsPostgres, "runs on its own PostgreSQL server in the SQLite pass already");
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ThrowawayPostgres.StartAsync(ct);
        var agent = new InMemoryHostAgent();
        await using var host = await FakeAgent.StartAsync(agent);
        await using var plane = await RunningControlPlane.StartAsync(databaseUrl: server.Url, configure: options =>
        {
            options.ReconcileInterval = TimeSpan.FromMilliseconds(200);
            // The host's create answers only once PostgreSQL has stopped (the test's hook, ~0.5 s on a busy
            // machine): its deadline must outlast that with room, or the control plane gives up on the create and
            // destroys the host's copy, which is not the case under test. The grace must be longer than the deadline.
            options.AgentTimeouts.Create = TimeSpan.FromSeconds(10);
            options.StartingGrace = TimeSpan.FromSeconds(11);
        });
        var api = new ControlPlaneApi(plane);
        var (token, _) = await api.AdminAsync();
        await api.RegisterHostAsync(token, host.Address);
        var key = await plane.ApiKeyAsync();
        plane.Http.DefaultRequestHeaders.Add("X-API-Key", key);

        var survives = await CreateWhileTheDatabaseFailsAsync(plane, agent, server, ct);
        var vanishes = await CreateWhileTheDatabaseFailsAsync(plane, agent, server, ct);
        Assert.True(agent.Remove(vanishes));
        var fails = await CreateWhileTheDatabaseFailsAsync(plane, agent, server, ct);
        var failed = agent.Find(fails)!.Clone();
        failed.State = SandboxState.Error;
        agent.Plant(failed);

        await WaitForStateAsync(plane, survives, "running", ct);
        await WaitForStateAsync(plane, vanishes, "error", ct);
        await WaitForStateAsync(plane, fails, "error", ct);

        // The settled one is a sandbox like any other: exec reaches it, with the envd token the host reported.
        var exec = await api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{survives}/exec", new { cmd = "true" }, HttpStatusCode.OK);
        Assert.Equal(0, exec.GetProperty("exit_code").GetInt32());
        Assert.NotNull(agent.Find(survives));

        var deadline = DateTime.UtcNow + Settled;
        while (agent.Find(fails) is not null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, ct);
        }

        Assert.True(agent.Find(fails) is null, "the host still holds the sandbox whose start failed there");
        Assert.Contains(fails, agent.Destroyed);
    }

    /// <summary>A create whose agent call succeeds while PostgreSQL stops under it; returns the sandbox id once the server is back.</summary>
    private static async Task<string> CreateWhileTheDatabaseFailsAsync(RunningControlPlane plane, InMemoryHostAgent agent, ThrowawayPostgres server, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            string? id = null;
            Task? stopping = null;
            agent.AfterCreate = request =>
            {
                id = request.SandboxId;
                stopping = server.StopAsync(ct);
                return stopping;
            };
            HttpStatusCode status;
            string text;
            try
            {
                using var response = await plane.Http.PostAsJsonAsync(new Uri("/v1/sandboxes", UriKind.Relative), new { }, ct);
                status = response.StatusCode;
                text = await response.Content.ReadAsStringAsync(ct);
            }
            finally
            {
                agent.AfterCreate = null;

                // Started again only once the stop has finished: a create's answer can come before (the server
                // cuts the control plane's connections as its shutdown begins), and a start while the old server
                // still runs fails ("another server might be running").
                if (stopping is not null)
                {
                    await stopping;
                    await server.StartAgainAsync(ct);
                }
            }

            // The first create after a restart fails before it reaches the host: the pooled connection the stop
            // cut fails its next use (57P01, 503). That is not the case under test, so the create is tried again
            // (before, the test then started the server that was still running, and failed there).
            if (id is null && status == HttpStatusCode.ServiceUnavailable && attempt < 5)
            {
                continue;
            }

            Assert.True(id is not null, $"the create never reached the host (attempt {attempt}): {(int)status} {text}");
            Assert.True(status == HttpStatusCode.ServiceUnavailable, $"create with the database failing after the host made it: {(int)status} {text}");
            Assert.NotNull(agent.Find(id));
            return id;
        }
    }

    private static async Task WaitForStateAsync(RunningControlPlane plane, string id, string expected, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Settled;
        var state = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            // A pooled connection the restart cut may fail one read: try again.
            using var response = await plane.Http.GetAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                state = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("state").GetString() ?? string.Empty;
                if (state == expected)
                {
                    return;
                }
            }

            await Task.Delay(100, ct);
        }

        Assert.Fail($"sandbox {id} is {state}, not {expected}, after waiting {Settled.TotalSeconds:0} s\n{string.Join('\n', plane.Log.Lines.TakeLast(20))}");
    }
}
