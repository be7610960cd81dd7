using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Wrenn.ControlPlane.Data;

/// <summary>
/// Sets <c>PRAGMA synchronous=NORMAL</c> on every SQLite connection the control plane opens. The
/// database is in WAL mode (<see cref="DatabaseSetup.MigrateAsync"/>), where NORMAL still never
/// corrupts the file and loses nothing when a process crashes; only a power cut or kernel crash can
/// roll back the last commits. SQLite's default (FULL) instead waits for an fsync at every commit,
/// which on this kind of disk cost 8–20 ms each, and a sandbox create commits three times on its
/// critical path. The setting belongs to each connection, so it is applied at every open (a pooled
/// connection keeps it; applying it again costs microseconds).
/// </summary>
public sealed class SqliteSynchronousInterceptor : DbConnectionInterceptor
{
    private const string Pragma = "PRAGMA synchronous=NORMAL;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = Pragma;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
