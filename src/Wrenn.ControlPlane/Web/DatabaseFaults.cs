using Microsoft.Data.Sqlite;
using Npgsql;
using Wrenn.Common.Errors;

namespace Wrenn.ControlPlane.Web;

/// <summary>
/// Tells a database outage (or a full disk) apart from a bug, looking through the wrappers EF Core and
/// the providers put around the driver's exception.
/// </summary>
public static class DatabaseFaults
{
    /// <summary>SQLite's primary result codes that mean "not now" rather than "wrong".</summary>
    private static readonly int[] SqliteUnavailable = [5 /* BUSY */, 6 /* LOCKED */, 10 /* IOERR */, 14 /* CANTOPEN */];

    private const int SqliteFull = 13;

    public static DatabaseFaultKind Classify(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException { SqlState: "53100" }:
                    return DatabaseFaultKind.Full;

                // Class 08 connection exceptions, 57P01-57P03 (shutdown, crash, "the database system is
                // starting up"), 53300 too many connections, 40001/40P01 serialisation failures and deadlocks.
                case PostgresException postgres when postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                    || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal)
                    || postgres.SqlState is "53300" or "40001" or "40P01":
                    return DatabaseFaultKind.Unavailable;

                // The server said something else (a constraint, a bad query): a bug, not an outage.
                case PostgresException:
                    return DatabaseFaultKind.None;

                // No server answer at all: refused, reset, timed out.
                case NpgsqlException:
                    return DatabaseFaultKind.Unavailable;

                case SqliteException sqlite when sqlite.SqliteErrorCode == SqliteFull:
                    return DatabaseFaultKind.Full;

                case SqliteException sqlite when SqliteUnavailable.Contains(sqlite.SqliteErrorCode & 0xff):
                    return DatabaseFaultKind.Unavailable;

                // Only the errno, not the words: an agent's or a tool's message that says ENOSPC is about another disk.
                case IOException io when NoSpaceLeft.IsErrno(io):
                    return DatabaseFaultKind.Full;
            }
        }

        return DatabaseFaultKind.None;
    }
}
