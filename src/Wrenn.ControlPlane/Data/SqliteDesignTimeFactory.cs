using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Wrenn.ControlPlane.Data;

/// <summary>Lets `dotnet ef migrations add` build the SQLite context without starting the app.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteWrennDbContext>
{
    public SqliteWrennDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteWrennDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
