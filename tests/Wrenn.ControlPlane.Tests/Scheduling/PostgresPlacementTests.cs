using System.Net;
using System.Net.Http.Json;

namespace Wrenn.ControlPlane.Tests.Scheduling;

/// <summary>
/// Two control-plane replicas on one PostgreSQL database, creating at once, never place more on a host
/// than it has room for, nor admit more of a team's sandboxes than its quota: the placement lock spans
/// replicas, not only requests of one process, and a sandbox's admission relies on it alone.
/// </summary>
public sealed class PostgresPlacementTests
{
    [Fact]
    public async Task Two_replicas_creating_at_once_fill_a_host_exactly_and_refuse_the_rest()
    {
        await WithTwoReplicasAsync(async (replicas, ct) =>
        {
            var (first, second, hosts, api, admin, _, key) = replicas;
            // 2048 MiB with the 1.5 overcommit: room for exactly six 512 MiB sandboxes.
            var hostId = await hosts.AddAsync(api, admin, cpus: 4, memoryMb: 2048);

            // All at once, half through each replica: without a lock across replicas, several see the same room.
            var attempts = Enumerable.Range(0, 24).Select(i => CreateAsync(i % 2 == 0 ? first : second, key, ct)).ToList();
            var statuses = await Task.WhenAll(attempts);

            Assert.Equal(6, statuses.Count(s => s == HttpStatusCode.Created));
            Assert.Equal(18, statuses.Count(s => s == HttpStatusCode.ServiceUnavailable));
            Assert.Equal(6, hosts.Agent(hostId).Count);
            Assert.Equal(["6"], await TestDatabase.QueryColumnAsync(first, "SELECT CAST(COUNT(*) AS TEXT) FROM sandboxes WHERE state = 'running'"));
        });
    }

    [Fact]
    public async Task Two_replicas_creating_at_once_cannot_pass_the_sandbox_quota_together()
    {
        // A sandbox's admission has no lock of its own: it relies on the placement lock, which on PostgreSQL
        // spans replicas. Without that, each replica's creates would count the same usage.
        await WithTwoReplicasAsync(async (replicas, ct) =>
        {
            var (first, second, hosts, api, admin, team, key) = replicas;
            var hostId = await hosts.AddAsync(api, admin, cpus: 64, memoryMb: 65536);
            await api.SendAsync(HttpMethod.Put, $"/v1/teams/{team}/quotas", new { sandboxes = 3 }, HttpStatusCode.OK, admin);

            var attempts = Enumerable.Range(0, 12).Select(i => CreateAsync(i % 2 == 0 ? first : second, key, ct)).ToList();
            var statuses = await Task.WhenAll(attempts);

            Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.Created));
            Assert.Equal(9, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
            Assert.Equal(3, hosts.Agent(hostId).Count);
            Assert.Equal(["3"], await TestDatabase.QueryColumnAsync(first, "SELECT CAST(COUNT(*) AS TEXT) FROM sandboxes"));
        });
    }

    /// <summary>Runs <paramref name="test"/> with two replicas on one PostgreSQL database (skipped on SQLite), stopping both after.</summary>
    private static async Task WithTwoReplicasAsync(Func<TwoReplicas, CancellationToken, Task> test)
    {
        Assert.SkipUnless(TestDatabase.IsPostgres, "needs PostgreSQL: make test runs this suite again under scripts/with-postgres.sh");
        var ct = TestContext.Current.CancellationToken;
        await using var first = await RunningControlPlane.StartAsync();
        await using var second = await RunningControlPlane.StartAsync(databaseUrl: first.DatabaseUrl);
        await using var hosts = new SchedulingHosts();
        try
        {
            var api = new ControlPlaneApi(first);
            var (admin, team) = await api.AdminAsync();
            var key = await first.ApiKeyAsync();
            await test(new TwoReplicas(first, second, hosts, api, admin, team, key), ct);
        }
        finally
        {
            await first.StopAsync();
            await second.StopAsync();
        }
    }

    private static async Task<HttpStatusCode> CreateAsync(RunningControlPlane replica, string key, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sandboxes") { Content = JsonContent.Create(new { template = "minimal", memory_mb = 512 }) };
        request.Headers.Add("X-API-Key", key);
        using var response = await replica.Http.SendAsync(request, ct);
        return response.StatusCode;
    }
}
