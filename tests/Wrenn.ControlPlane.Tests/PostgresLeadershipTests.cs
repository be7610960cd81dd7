using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Reconciliation;

namespace Wrenn.ControlPlane.Tests;

/// <summary>Two replicas on one PostgreSQL: exactly one leads, and the other takes over when it goes.</summary>
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
}
