using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Data.Configurations;

/// <summary>Table invites.</summary>
public sealed class InviteConfiguration : IEntityTypeConfiguration<InviteEntity>
{
    public void Configure(EntityTypeBuilder<InviteEntity> invite)
    {
        invite.ToTable("invites");
        invite.HasKey(i => i.Id);
        invite.Property(i => i.Id).HasColumnName("id").HasMaxLength(40);
        invite.Property(i => i.CodeHash).HasColumnName("code_hash").HasMaxLength(64);
        invite.Property(i => i.Email).HasColumnName("email").HasMaxLength(320);
        invite.Property(i => i.TeamId).HasColumnName("team_id").HasMaxLength(40);
        invite.Property(i => i.CreatedByUserId).HasColumnName("created_by_user_id").HasMaxLength(40);
        invite.Property(i => i.CreatedAt).HasColumnName("created_at");
        invite.Property(i => i.ExpiresAt).HasColumnName("expires_at");
        // Two sign-ups racing for one invite: the second one's update matches no row and fails.
        invite.Property(i => i.UsedAt).HasColumnName("used_at").IsConcurrencyToken();
        invite.Property(i => i.UsedByUserId).HasColumnName("used_by_user_id").HasMaxLength(40);
        invite.HasIndex(i => i.CodeHash).IsUnique();
        invite.HasOne<TeamEntity>().WithMany().HasForeignKey(i => i.TeamId).OnDelete(DeleteBehavior.Cascade);
    }
}
