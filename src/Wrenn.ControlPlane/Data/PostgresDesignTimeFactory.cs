using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Wrenn.ControlPlane.Data;

/// <summary>Lets `dotnet ef migrations add` build the PostgreSQL context without a server.</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresWrennDbContext>
{
    public PostgresWrennDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresWrennDbContext>().UseNpgsql("Host=localhost;Database=design_time").Options);
}
