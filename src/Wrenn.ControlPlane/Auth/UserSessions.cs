using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Auth;

/// <summary>
/// Sessions behind user tokens: a row per login, looked up on every request made with a session
/// token, so logout and a password change take effect at once on every replica.
/// </summary>
public sealed class UserSessions(WrennDbContext db, TokenIssuer tokens, TimeProvider clock)
{
    /// <summary>Records a new session for <paramref name="user"/> and mints its token; drops the user's expired rows.</summary>
    public async Task<(string Token, DateTime ExpiresAt)> StartAsync(UserEntity user, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Sessions.Where(s => s.UserId == user.Id && s.ExpiresAt < now).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        var session = new SessionEntity
        {
            Id = "ses-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            UserId = user.Id,
            CreatedAt = now,
            ExpiresAt = now + TokenIssuer.UserTokenLifetime,
        };
        db.Sessions.Add(session);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return (tokens.ForUser(user, session), session.ExpiresAt);
    }

    /// <summary>Whether the session a token names is the user's, unexpired and not revoked.</summary>
    public Task<bool> IsActiveAsync(string sessionId, string userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Sessions.AnyAsync(s => s.Id == sessionId && s.UserId == userId && s.RevokedAt == null && s.ExpiresAt > now, cancellationToken);
    }

    /// <summary>Logout: the token stops working at once.</summary>
    public Task RevokeAsync(string sessionId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Sessions.Where(s => s.Id == sessionId && s.RevokedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.RevokedAt, now), cancellationToken);
    }

    /// <summary>After a password change: every other session of the user stops working.</summary>
    public Task RevokeOthersAsync(string userId, string keepSessionId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Sessions.Where(s => s.UserId == userId && s.Id != keepSessionId && s.RevokedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.RevokedAt, now), cancellationToken);
    }
}
