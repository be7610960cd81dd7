using Microsoft.EntityFrameworkCore;

namespace Wrenn.ControlPlane.Data;

/// <summary>Registers the database the options name and applies its migrations at start.</summary>
public static class DatabaseSetup
{
    public static void AddWrennDatabase(this IServiceCollection services, ControlPlaneOptions options)
    {
        if (options.DatabaseUrl is not null)
        {
            throw new NotSupportedException("DATABASE_URL is set, but this build of the control plane supports only the embedded SQLite database; unset DATABASE_URL");
        }

        Directory.CreateDirectory(options.WrennDir);
        var connectionString = $"Data Source={options.SqlitePath};Foreign Keys=True;Default Timeout=30";
        services.AddDbContext<WrennDbContext, SqliteWrennDbContext>(db => db.UseSqlite(connectionString));
    }

    /// <summary>Applies pending migrations; SQLite also gets WAL so readers do not block the writer.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WrennDbContext>();
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        }
    }
}
