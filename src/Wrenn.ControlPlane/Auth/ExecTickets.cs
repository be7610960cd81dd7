using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Auth;

/// <summary>
/// One-time tickets for exec WebSockets: issued to a caller already authenticated by header, good
/// once, for one sandbox, for <see cref="ControlPlaneOptions.ExecTicketLifetime"/>. Kept in the
/// database so any replica can redeem a ticket another issued, and redeemed with one conditional
/// update so two racing uses cannot both win.
/// </summary>
public sealed class ExecTickets(WrennDbContext db, IOptions<ControlPlaneOptions> options, TimeProvider clock)
{
    public const string Prefix = "wxt_";

    /// <summary>A new ticket for <paramref name="sandboxId"/> on behalf of the key or user; drops expired ones.</summary>
    public async Task<(string Ticket, DateTime ExpiresAt)> IssueAsync(string teamId, string sandboxId, string? apiKeyId, string? userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.ExecTickets.Where(t => t.ExpiresAt < now).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        var ticket = Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var row = new ExecTicketEntity
        {
            TicketHash = ApiKeyHasher.Hash(ticket),
            TeamId = teamId,
            SandboxId = sandboxId,
            ApiKeyId = apiKeyId,
            UserId = userId,
            CreatedAt = now,
            ExpiresAt = now + options.Value.ExecTicketLifetime,
        };
        db.ExecTickets.Add(row);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return (ticket, row.ExpiresAt);
    }

    /// <summary>
    /// Uses <paramref name="ticket"/> for <paramref name="sandboxId"/>: the ticket's row when it was
    /// unused, unexpired, for that sandbox, and whoever asked for it may still act for the team; else null.
    /// </summary>
    public async Task<ExecTicketEntity?> RedeemAsync(string ticket, string sandboxId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var hash = ApiKeyHasher.Hash(ticket);
        var used = await db.ExecTickets
            .Where(t => t.TicketHash == hash && t.SandboxId == sandboxId && t.UsedAt == null && t.ExpiresAt > now)
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.UsedAt, now), cancellationToken)
            .ConfigureAwait(false);
        if (used != 1)
        {
            return null;
        }

        var row = await db.ExecTickets.AsNoTracking().SingleAsync(t => t.TicketHash == hash, cancellationToken).ConfigureAwait(false);
        // A key deleted, or a member removed, since the ticket was issued takes the ticket with it.
        var stillAllowed = row.ApiKeyId is { } keyId
            ? await db.TeamApiKeys.AnyAsync(k => k.Id == keyId && k.TeamId == row.TeamId, cancellationToken).ConfigureAwait(false)
            : await db.UsersTeams.AnyAsync(m => m.UserId == row.UserId && m.TeamId == row.TeamId, cancellationToken).ConfigureAwait(false);
        return stillAllowed ? row : null;
    }
}
