using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Reconciliation;

namespace Wrenn.ControlPlane.Tests.Reconciliation;

/// <summary>Two replicas on one PostgreSQL: both serve, exactly one leads, and the other takes over when it goes.</summary>
public sealed class PostgresLeadershipTests
{
    [Fact]
    public async Task One_replica_leads_at_a_time_and_leadership_passes_on_when_the_leader_goes()
    {
        Assert.SkipUnless(TestDatabase.IsPostgres, "needs PostgreSQL: make test runs this suite again under scripts/with-postgres.sh");
        var ct = TestContext.Current.CancellationToken;
        var connectionString = PostgresConnectionString.FromDatabaseUrl((await TestDatabase.CreateAsync())!);
        var first = new PostgresLeadership(connectionString, NullLogger<PostgresLeadership>.Instance);
        await using var second = new PostgresLeadership(connectionString, NullLogger<PostgresLeadership>.Instance);

        Assert.True(await first.IsLeaderAsync(ct));
        Assert.False(await second.IsLeaderAsync(ct));
        Assert.True(await first.IsLeaderAsync(ct));
        Assert.False(await second.IsLeaderAsync(ct));

        // The leader's session ends (a replica stopping or dying): the lock goes with it.
        await first.DisposeAsync();
        Assert.True(await second.IsLeaderAsync(ct));
    }

    [Fact]
    public async Task Two_replicas_on_one_database_both_serve_the_same_accounts_and_one_admin_exists()
    {
        Assert.SkipUnless(TestDatabase.IsPostgres, "needs PostgreSQL: make test runs this suite again under scripts/with-postgres.sh");
        var ct = TestContext.Current.CancellationToken;
        await using var first = await RunningControlPlane.StartAsync();
        await using var second = await RunningControlPlane.StartAsync(databaseUrl: first.DatabaseUrl);
        try
        {
            var key = await first.ApiKeyAsync();
            foreach (var replica in new[] { first, second })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/sandboxes");
                request.Headers.Add("X-API-Key", key);
                using var response = await replica.Http.SendAsync(request, ct);
                Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            }

            Assert.Equal(["1"], await TestDatabase.QueryColumnAsync(second, "SELECT CAST(COUNT(*) AS TEXT) FROM users WHERE is_admin"));
            // Only the replica that made the admin holds its password; the other wrote none.
            Assert.False(File.Exists(Path.Combine(second.WrennDir, "admin-credentials.json")));
        }
        finally
        {
            await first.StopAsync();
            await second.StopAsync();
        }
    }
}
