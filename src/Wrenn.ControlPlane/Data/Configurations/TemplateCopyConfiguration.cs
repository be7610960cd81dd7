using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Data.Configurations;

/// <summary>Table template_copies: which hosts hold a copy of which template. Goes with its template and with its host.</summary>
public sealed class TemplateCopyConfiguration : IEntityTypeConfiguration<TemplateCopyEntity>
{
    public void Configure(EntityTypeBuilder<TemplateCopyEntity> copy)
    {
        copy.ToTable("template_copies");
        copy.HasKey(c => new { c.TemplateId, c.HostId });
        copy.Property(c => c.TemplateId).HasColumnName("template_id").HasMaxLength(40);
        copy.Property(c => c.HostId).HasColumnName("host_id").HasMaxLength(40);
        copy.Property(c => c.CopiedAt).HasColumnName("copied_at");
        copy.Property(c => c.LastUsedAt).HasColumnName("last_used_at");
        copy.HasIndex(c => c.HostId);
        copy.HasOne<TemplateEntity>().WithMany().HasForeignKey(c => c.TemplateId).OnDelete(DeleteBehavior.Cascade);
        copy.HasOne<HostEntity>().WithMany().HasForeignKey(c => c.HostId).OnDelete(DeleteBehavior.Cascade);
    }
}
