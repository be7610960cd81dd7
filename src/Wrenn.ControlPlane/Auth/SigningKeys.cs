using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Auth;

/// <summary>
/// The keys tokens are signed with, loaded from the database at start (and created there by the first
/// replica that finds them missing), so that every replica signs and verifies the same way.
/// </summary>
public sealed class SigningKeys
{
    private readonly ConcurrentDictionary<string, SymmetricSecurityKey> _keys = new(StringComparer.Ordinal);

    public SymmetricSecurityKey Get(string purpose) =>
        _keys.TryGetValue(purpose, out var key) ? key : throw new InvalidOperationException($"signing key '{purpose}' not loaded; was LoadAsync called at start?");

    /// <summary>Loads every purpose's key, creating missing ones; safe when replicas race.</summary>
    public async Task LoadAsync(WrennDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        foreach (var purpose in new[] { SigningKeyEntity.UserTokens, SigningKeyEntity.HostTokens })
        {
            var row = await db.SigningKeys.AsNoTracking().SingleOrDefaultAsync(k => k.Purpose == purpose, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                db.SigningKeys.Add(new SigningKeyEntity
                {
                    Purpose = purpose,
                    KeyBase64 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                    CreatedAt = clock.GetUtcNow().UtcDateTime,
                });
                try
                {
                    await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (DbUpdateException)
                {
                    // Another replica created it first: use theirs.
                    db.ChangeTracker.Clear();
                }

                row = await db.SigningKeys.AsNoTracking().SingleAsync(k => k.Purpose == purpose, cancellationToken).ConfigureAwait(false);
            }

            _keys[purpose] = new SymmetricSecurityKey(Convert.FromBase64String(row.KeyBase64)) { KeyId = purpose };
        }
    }
}
