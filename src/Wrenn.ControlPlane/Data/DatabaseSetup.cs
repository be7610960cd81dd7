using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Wrenn.ControlPlane.Data;

/// <summary>Registers the database the options name and applies its migrations at start.</summary>
public static class DatabaseSetup
{
    public static void AddWrennDatabase(this IServiceCollection services, ControlPlaneOptions options)
    {
        if (options.DatabaseUrl is { } url)
        {
            var connectionString = PostgresConnectionString.FromDatabaseUrl(url);
            services.AddDbContext<WrennDbContext, PostgresWrennDbContext>((sp, db) => db.UseNpgsql(connectionString).AddInterceptors(Interceptors(sp)));
            services.AddSingleton<Reconciliation.ILeadership>(sp => new Reconciliation.PostgresLeadership(connectionString, sp.GetRequiredService<ILogger<Reconciliation.PostgresLeadership>>()));
            return;
        }

        services.AddSingleton<Reconciliation.ILeadership, Reconciliation.SingleReplicaLeadership>();

        Directory.CreateDirectory(options.WrennDir);
        var sqlite = $"Data Source={options.SqlitePath};Foreign Keys=True;Default Timeout=30";
        services.AddDbContext<WrennDbContext, SqliteWrennDbContext>((sp, db) => db.UseSqlite(sqlite).AddInterceptors([new SqliteSynchronousInterceptor(), .. Interceptors(sp)]));
    }

    /// <summary>The API key cache's revocation hook, where the server registered it (not for migrate-only).</summary>
    private static IInterceptor[] Interceptors(IServiceProvider services) =>
        services.GetService<Auth.ApiKeyRevocationInterceptor>() is { } revocations ? [revocations] : [];

    /// <summary>
    /// Applies pending migrations (replicas starting together on PostgreSQL are serialised by EF's
    /// migration lock); SQLite also gets WAL so readers do not block the writer.
    /// </summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WrennDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)).ToList();
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        }

        return pending;
    }

    /// <summary>Which database the options name, without its password.</summary>
    public static string Describe(ControlPlaneOptions options) =>
        options.DatabaseUrl is { } url
            ? "PostgreSQL " + new Npgsql.NpgsqlConnectionStringBuilder(PostgresConnectionString.FromDatabaseUrl(url)) { Password = null }.ConnectionString
            : "SQLite " + options.SqlitePath;
}
