using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Auth;

/// <summary>
/// The keys tokens are signed with, loaded from the database at start (and created there by the first
/// replica that finds none for a purpose), so that every replica signs and verifies the same way.
/// </summary>
/// <remarks>
/// Rotation (docs/operations.md): add a row with a new id and 32 random bytes for the purpose, then
/// restart every replica: new tokens are signed with the newest key while tokens naming an older key
/// (by <c>kid</c>) still verify. Setting an old key's retired_at makes tokens signed with it refused
/// from the replicas' next start. A token whose kid is unknown or retired is refused.
/// </remarks>
public sealed class SigningKeys
{
    private readonly ConcurrentDictionary<string, SymmetricSecurityKey> _signing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Purpose, string Kid), SymmetricSecurityKey> _verifying = new();

    /// <summary>The key new tokens of <paramref name="purpose"/> are signed with: the newest one not retired.</summary>
    public SymmetricSecurityKey Get(string purpose) =>
        _signing.TryGetValue(purpose, out var key) ? key : throw new InvalidOperationException($"signing key '{purpose}' not loaded; was LoadAsync called at start?");

    /// <summary>The key a token of <paramref name="purpose"/> names in its header, when that key exists and is not retired.</summary>
    public IEnumerable<SecurityKey> Verifying(string purpose, string? kid) =>
        kid is not null && _verifying.TryGetValue((purpose, kid), out var key) ? [key] : [];

    /// <summary>Loads every purpose's keys, creating a first key where there is none; safe when replicas race.</summary>
    public async Task LoadAsync(WrennDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        foreach (var purpose in new[] { SigningKeyEntity.UserTokens, SigningKeyEntity.HostTokens })
        {
            var rows = await ActiveAsync(db, purpose, cancellationToken).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                // The first key's id is its purpose, so replicas racing at the first start make one key, not two.
                var first = NewKey(purpose, clock);
                first.Id = purpose;
                db.SigningKeys.Add(first);
                try
                {
                    await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (DbUpdateException)
                {
                    // Another replica created it first: use theirs.
                    db.ChangeTracker.Clear();
                }

                rows = await ActiveAsync(db, purpose, cancellationToken).ConfigureAwait(false);
            }

            foreach (var row in rows)
            {
                _verifying[(purpose, row.Id)] = new SymmetricSecurityKey(Convert.FromBase64String(row.KeyBase64)) { KeyId = row.Id };
            }

            var newest = rows.OrderByDescending(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal).First();
            _signing[purpose] = _verifying[(purpose, newest.Id)];
        }
    }

    /// <summary>A new key for <paramref name="purpose"/>, with a fresh random id.</summary>
    public static SigningKeyEntity NewKey(string purpose, TimeProvider clock) => new()
    {
        Id = purpose + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
        Purpose = purpose,
        KeyBase64 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        CreatedAt = clock.GetUtcNow().UtcDateTime,
    };

    private static async Task<List<SigningKeyEntity>> ActiveAsync(WrennDbContext db, string purpose, CancellationToken cancellationToken) =>
        await db.SigningKeys.AsNoTracking().Where(k => k.Purpose == purpose && k.RetiredAt == null).ToListAsync(cancellationToken).ConfigureAwait(false);
}
