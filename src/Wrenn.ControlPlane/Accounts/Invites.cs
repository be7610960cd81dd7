using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Accounts;

/// <summary>
/// Sign-up invitations: made by administrators (and, unless sign-up is closed, by team owners for
/// their team), used once. Codes carry 128 random bits; only their SHA-256 is stored.
/// </summary>
public sealed class Invites(WrennDbContext db, IOptions<ControlPlaneOptions> options, TimeProvider clock)
{
    public const string CodePrefix = "wri_";

    /// <summary>The new invite and its code (the only time the code exists in clear).</summary>
    public async Task<(InviteEntity Invite, string Code)> CreateAsync(string createdByUserId, string? email, string? teamId, CancellationToken cancellationToken)
    {
        var code = CodePrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var now = clock.GetUtcNow().UtcDateTime;
        var invite = new InviteEntity
        {
            Id = "inv-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            CodeHash = ApiKeyHasher.Hash(code),
            Email = email,
            TeamId = teamId,
            CreatedByUserId = createdByUserId,
            CreatedAt = now,
            ExpiresAt = now + options.Value.InviteLifetime,
        };
        db.Invites.Add(invite);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return (invite, code);
    }

    /// <summary>The unused, unexpired invite with this code that <paramref name="email"/> may use, or null.</summary>
    public async Task<InviteEntity?> FindUsableAsync(string? code, string email, CancellationToken cancellationToken)
    {
        if (code is not { Length: > 0 and <= 100 })
        {
            return null;
        }

        var hash = ApiKeyHasher.Hash(code.Trim());
        var now = clock.GetUtcNow().UtcDateTime;
        var invite = await db.Invites.SingleOrDefaultAsync(i => i.CodeHash == hash, cancellationToken).ConfigureAwait(false);
        return invite is { UsedAt: null } && invite.ExpiresAt > now && (invite.Email is null || invite.Email == email) ? invite : null;
    }

    /// <summary>
    /// Marks the invite used by the new user and adds them to its team, in the caller's unit of work:
    /// saving fails with a concurrency error if another sign-up used it first (used_at is a concurrency token).
    /// </summary>
    public void Redeem(InviteEntity invite, UserEntity user, DateTime now)
    {
        invite.UsedAt = now;
        invite.UsedByUserId = user.Id;
        if (invite.TeamId is { } teamId)
        {
            db.UsersTeams.Add(new UserTeamEntity { UserId = user.Id, TeamId = teamId, Role = UserTeamEntity.MemberRole, CreatedAt = now });
        }
    }
}
