using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Data;

/// <summary>
/// The control plane's database. The model is provider-neutral; each provider has its own subclass so
/// that its migrations live apart (Data/Migrations/&lt;Provider&gt;).
/// </summary>
public abstract class WrennDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<UserEntity> Users => Set<UserEntity>();

    public DbSet<TeamEntity> Teams => Set<TeamEntity>();

    public DbSet<UserTeamEntity> UsersTeams => Set<UserTeamEntity>();

    public DbSet<TeamApiKeyEntity> TeamApiKeys => Set<TeamApiKeyEntity>();

    public DbSet<HostEntity> Hosts => Set<HostEntity>();

    public DbSet<SandboxEntity> Sandboxes => Set<SandboxEntity>();

    public DbSet<SigningKeyEntity> SigningKeys => Set<SigningKeyEntity>();

    public DbSet<TemplateEntity> Templates => Set<TemplateEntity>();

    public DbSet<TemplateCopyEntity> TemplateCopies => Set<TemplateCopyEntity>();

    public DbSet<AuditEventEntity> AuditLog => Set<AuditEventEntity>();

    public DbSet<InviteEntity> Invites => Set<InviteEntity>();

    public DbSet<TeamQuotaEntity> TeamQuotas => Set<TeamQuotaEntity>();

    public DbSet<SessionEntity> Sessions => Set<SessionEntity>();

    public DbSet<ExecTicketEntity> ExecTickets => Set<ExecTicketEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<UserEntity>(user =>
        {
            user.ToTable("users");
            user.HasKey(u => u.Id);
            user.Property(u => u.Id).HasColumnName("id").HasMaxLength(40);
            user.Property(u => u.Email).HasColumnName("email").HasMaxLength(320);
            user.Property(u => u.PasswordHash).HasColumnName("password_hash");
            user.Property(u => u.IsAdmin).HasColumnName("is_admin");
            user.Property(u => u.CreatedAt).HasColumnName("created_at");
            user.HasIndex(u => u.Email).IsUnique();
        });

        modelBuilder.Entity<TeamEntity>(team =>
        {
            team.ToTable("teams");
            team.HasKey(t => t.Id);
            team.Property(t => t.Id).HasColumnName("id").HasMaxLength(40);
            team.Property(t => t.Name).HasColumnName("name").HasMaxLength(200);
            team.Property(t => t.CreatedAt).HasColumnName("created_at");
        });

        modelBuilder.Entity<UserTeamEntity>(membership =>
        {
            membership.ToTable("users_teams");
            membership.HasKey(m => new { m.UserId, m.TeamId });
            membership.Property(m => m.UserId).HasColumnName("user_id").HasMaxLength(40);
            membership.Property(m => m.TeamId).HasColumnName("team_id").HasMaxLength(40);
            membership.Property(m => m.Role).HasColumnName("role").HasMaxLength(20);
            membership.Property(m => m.CreatedAt).HasColumnName("created_at");
            membership.HasOne<UserEntity>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
            membership.HasOne<TeamEntity>().WithMany().HasForeignKey(m => m.TeamId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<TeamApiKeyEntity>(key =>
        {
            key.ToTable("team_api_keys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasColumnName("id").HasMaxLength(40);
            key.Property(k => k.TeamId).HasColumnName("team_id").HasMaxLength(40);
            key.Property(k => k.Name).HasColumnName("name").HasMaxLength(200);
            key.Property(k => k.KeyHash).HasColumnName("key_hash").HasMaxLength(64);
            key.Property(k => k.Prefix).HasColumnName("prefix").HasMaxLength(16);
            key.Property(k => k.CreatedByUserId).HasColumnName("created_by_user_id").HasMaxLength(40);
            key.Property(k => k.CreatedAt).HasColumnName("created_at");
            key.Property(k => k.LastUsedAt).HasColumnName("last_used_at");
            key.HasIndex(k => k.KeyHash).IsUnique();
            key.HasOne<TeamEntity>().WithMany().HasForeignKey(k => k.TeamId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<HostEntity>(host =>
        {
            host.ToTable("hosts");
            host.HasKey(h => h.Id);
            host.Property(h => h.Id).HasColumnName("id").HasMaxLength(40);
            host.Property(h => h.Address).HasColumnName("address").HasMaxLength(300);
            host.Property(h => h.State).HasColumnName("state").HasMaxLength(20);
            host.Property(h => h.Runtime).HasColumnName("runtime").HasMaxLength(20);
            host.Property(h => h.Arch).HasColumnName("arch").HasMaxLength(20);
            host.Property(h => h.Cpus).HasColumnName("cpus");
            host.Property(h => h.MemoryMb).HasColumnName("memory_mb");
            host.Property(h => h.CreatedAt).HasColumnName("created_at");
            host.Property(h => h.LastSeenAt).HasColumnName("last_seen_at");
            host.Property(h => h.RegistrationTokenHash).HasColumnName("registration_token_hash").HasMaxLength(64);
            host.Property(h => h.RegistrationExpiresAt).HasColumnName("registration_expires_at");
            host.Property(h => h.AgentSecret).HasColumnName("agent_secret").HasMaxLength(64);
            host.Property(h => h.DiskMb).HasColumnName("disk_mb");
            host.Property(h => h.RunningSandboxes).HasColumnName("running_sandboxes");
            host.Property(h => h.PooledVcpus).HasColumnName("pooled_vcpus");
            host.Property(h => h.PooledMemoryMb).HasColumnName("pooled_memory_mb");
            host.Property(h => h.Draining).HasColumnName("draining");
            host.Property(h => h.TokenGeneration).HasColumnName("token_generation");
            host.HasIndex(h => h.RegistrationTokenHash).IsUnique();
        });

        modelBuilder.Entity<SandboxEntity>(sandbox =>
        {
            sandbox.ToTable("sandboxes");
            sandbox.HasKey(s => s.Id);
            sandbox.Property(s => s.Id).HasColumnName("id").HasMaxLength(40);
            sandbox.Property(s => s.TeamId).HasColumnName("team_id").HasMaxLength(40);
            sandbox.Property(s => s.HostId).HasColumnName("host_id").HasMaxLength(40);
            sandbox.Property(s => s.Template).HasColumnName("template").HasMaxLength(63);
            sandbox.Property(s => s.State).HasColumnName("state").HasMaxLength(20);
            sandbox.Property(s => s.Vcpus).HasColumnName("vcpus");
            sandbox.Property(s => s.MemoryMb).HasColumnName("memory_mb");
            sandbox.Property(s => s.TimeoutSec).HasColumnName("timeout_sec");
            sandbox.Property(s => s.MetadataJson).HasColumnName("metadata");
            sandbox.Property(s => s.CreatedAt).HasColumnName("created_at");
            sandbox.Property(s => s.LastActiveAt).HasColumnName("last_active_at");
            sandbox.Property(s => s.StoppedAt).HasColumnName("stopped_at");
            sandbox.Property(s => s.StartedAt).HasColumnName("started_at");
            sandbox.Property(s => s.EndAt).HasColumnName("end_at");
            sandbox.Property(s => s.LifetimeSec).HasColumnName("lifetime_sec");
            sandbox.Property(s => s.AutoPause).HasColumnName("auto_pause");
            sandbox.Property(s => s.AutoResume).HasColumnName("auto_resume");
            sandbox.Property(s => s.EnvdAccessToken).HasColumnName("envd_access_token").HasMaxLength(128);
            sandbox.Property(s => s.EnvdVersion).HasColumnName("envd_version").HasMaxLength(32);
            sandbox.Property(s => s.TrafficAccessToken).HasColumnName("traffic_access_token").HasMaxLength(128);
            sandbox.Property(s => s.MovingToHostId).HasColumnName("moving_to_host_id").HasMaxLength(40);
            sandbox.Property(s => s.MovedAt).HasColumnName("moved_at");
            sandbox.Property(s => s.MoveFailure).HasColumnName("move_failure").HasMaxLength(500);
            sandbox.Property(s => s.MoveFailedAt).HasColumnName("move_failed_at");
            sandbox.HasIndex(s => s.EndAt);
            sandbox.HasIndex(s => new { s.TeamId, s.State });
            sandbox.HasIndex(s => s.HostId);
            sandbox.HasOne<TeamEntity>().WithMany().HasForeignKey(s => s.TeamId).OnDelete(DeleteBehavior.Cascade);
            sandbox.HasOne<HostEntity>().WithMany().HasForeignKey(s => s.HostId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<SigningKeyEntity>(key =>
        {
            key.ToTable("signing_keys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasColumnName("id").HasMaxLength(60);
            key.Property(k => k.Purpose).HasColumnName("purpose").HasMaxLength(40);
            key.Property(k => k.KeyBase64).HasColumnName("key").HasMaxLength(100);
            key.Property(k => k.CreatedAt).HasColumnName("created_at");
            key.Property(k => k.RetiredAt).HasColumnName("retired_at");
            key.HasIndex(k => k.Purpose);
        });

        modelBuilder.Entity<SessionEntity>(session =>
        {
            session.ToTable("sessions");
            session.HasKey(x => x.Id);
            session.Property(x => x.Id).HasColumnName("id").HasMaxLength(40);
            session.Property(x => x.UserId).HasColumnName("user_id").HasMaxLength(40);
            session.Property(x => x.CreatedAt).HasColumnName("created_at");
            session.Property(x => x.ExpiresAt).HasColumnName("expires_at");
            session.Property(x => x.RevokedAt).HasColumnName("revoked_at");
            session.HasIndex(x => x.UserId);
            session.HasOne<UserEntity>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ExecTicketEntity>(ticket =>
        {
            ticket.ToTable("exec_tickets");
            ticket.HasKey(t => t.TicketHash);
            ticket.Property(t => t.TicketHash).HasColumnName("ticket_hash").HasMaxLength(64);
            ticket.Property(t => t.TeamId).HasColumnName("team_id").HasMaxLength(40);
            ticket.Property(t => t.SandboxId).HasColumnName("sandbox_id").HasMaxLength(40);
            ticket.Property(t => t.ApiKeyId).HasColumnName("api_key_id").HasMaxLength(40);
            ticket.Property(t => t.UserId).HasColumnName("user_id").HasMaxLength(40);
            ticket.Property(t => t.CreatedAt).HasColumnName("created_at");
            ticket.Property(t => t.ExpiresAt).HasColumnName("expires_at");
            ticket.Property(t => t.UsedAt).HasColumnName("used_at");
            ticket.HasIndex(t => t.ExpiresAt);
            ticket.HasOne<TeamEntity>().WithMany().HasForeignKey(t => t.TeamId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<TemplateEntity>(template =>
        {
            template.ToTable("templates");
            template.HasKey(t => t.Id);
            template.Property(t => t.Id).HasColumnName("id").HasMaxLength(40);
            template.Property(t => t.TeamId).HasColumnName("team_id").HasMaxLength(40);
            template.Property(t => t.Name).HasColumnName("name").HasMaxLength(63);
            template.Property(t => t.HostId).HasColumnName("host_id").HasMaxLength(40);
            template.Property(t => t.SourceSandboxId).HasColumnName("source_sandbox_id").HasMaxLength(40);
            template.Property(t => t.BaseTemplate).HasColumnName("base_template").HasMaxLength(63);
            template.Property(t => t.Vcpus).HasColumnName("vcpus");
            template.Property(t => t.MemoryMb).HasColumnName("memory_mb");
            template.Property(t => t.SizeBytes).HasColumnName("size_bytes");
            template.Property(t => t.KeepsMemory).HasColumnName("keeps_memory");
            template.Property(t => t.CreatedAt).HasColumnName("created_at");
            template.HasIndex(t => new { t.TeamId, t.Name }).IsUnique();
            template.HasOne<TeamEntity>().WithMany().HasForeignKey(t => t.TeamId).OnDelete(DeleteBehavior.Cascade);
            template.HasOne<HostEntity>().WithMany().HasForeignKey(t => t.HostId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.ApplyConfiguration(new Configurations.AuditEventConfiguration());
        modelBuilder.ApplyConfiguration(new Configurations.InviteConfiguration());
        modelBuilder.ApplyConfiguration(new Configurations.TeamQuotaConfiguration());
        modelBuilder.ApplyConfiguration(new Configurations.TemplateCopyConfiguration());
    }
}
