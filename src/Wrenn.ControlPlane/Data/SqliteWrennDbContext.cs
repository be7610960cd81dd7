using Microsoft.EntityFrameworkCore;

namespace Wrenn.ControlPlane.Data;

/// <summary>The embedded default: SQLite at $WRENN_DIR/wrenn.db. Migrations in Data/Migrations/Sqlite.</summary>
public sealed class SqliteWrennDbContext(DbContextOptions<SqliteWrennDbContext> options) : WrennDbContext(options);
