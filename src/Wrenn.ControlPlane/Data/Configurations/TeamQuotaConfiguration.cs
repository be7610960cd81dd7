using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Data.Configurations;

/// <summary>Table team_quotas.</summary>
public sealed class TeamQuotaConfiguration : IEntityTypeConfiguration<TeamQuotaEntity>
{
    public void Configure(EntityTypeBuilder<TeamQuotaEntity> quota)
    {
        quota.ToTable("team_quotas");
        quota.HasKey(q => q.TeamId);
        quota.Property(q => q.TeamId).HasColumnName("team_id").HasMaxLength(40);
        quota.Property(q => q.Sandboxes).HasColumnName("sandboxes");
        quota.Property(q => q.Vcpus).HasColumnName("vcpus");
        quota.Property(q => q.MemoryMb).HasColumnName("memory_mb");
        quota.Property(q => q.Templates).HasColumnName("templates");
        quota.Property(q => q.TemplateBytes).HasColumnName("template_bytes");
        quota.Property(q => q.UpdatedAt).HasColumnName("updated_at");
        quota.HasOne<TeamEntity>().WithMany().HasForeignKey(q => q.TeamId).OnDelete(DeleteBehavior.Cascade);
    }
}
