using Microsoft.EntityFrameworkCore;

namespace Wrenn.ControlPlane.Data;

/// <summary>PostgreSQL ($DATABASE_URL): several control-plane replicas share it. Migrations in Data/Migrations/Postgres.</summary>
public sealed class PostgresWrennDbContext(DbContextOptions<PostgresWrennDbContext> options) : WrennDbContext(options);
