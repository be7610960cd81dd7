using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Data.Configurations;

/// <summary>Table audit_log.</summary>
public sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEventEntity>
{
    public void Configure(EntityTypeBuilder<AuditEventEntity> audit)
    {
        audit.ToTable("audit_log");
        audit.HasKey(a => a.Id);
        audit.Property(a => a.Id).HasColumnName("id").ValueGeneratedOnAdd();
        audit.Property(a => a.At).HasColumnName("at");
        audit.Property(a => a.Action).HasColumnName("action").HasMaxLength(40);
        audit.Property(a => a.TeamId).HasColumnName("team_id").HasMaxLength(40);
        audit.Property(a => a.ActorUserId).HasColumnName("actor_user_id").HasMaxLength(40);
        audit.Property(a => a.ActorApiKeyId).HasColumnName("actor_api_key_id").HasMaxLength(40);
        audit.Property(a => a.TargetId).HasColumnName("target_id").HasMaxLength(100);
        audit.Property(a => a.Address).HasColumnName("address").HasMaxLength(64);
        audit.Property(a => a.Detail).HasColumnName("detail").HasMaxLength(500);
        audit.HasIndex(a => new { a.TeamId, a.Id });
    }
}
