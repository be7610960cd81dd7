using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.Common.Bootstrap;
using Wrenn.Common.Ids;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Bootstrap;

/// <summary>
/// On the first start (no users yet) creates the admin user, their team and an API key, and writes them
/// to $WRENN_DIR/admin-credentials.json (0600) — the only copy of the key in clear.
/// </summary>
public sealed class AdminBootstrapper(
    IServiceScopeFactory scopes,
    IPasswordHasher<UserEntity> passwords,
    IOptions<ControlPlaneOptions> options,
    TimeProvider clock,
    ILogger<AdminBootstrapper> logger) : IHostedService
{
    public const string AdminEmail = "admin@wrenn.local";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WrennDbContext>();
        if (await db.Users.AnyAsync(cancellationToken).ConfigureAwait(false))
        {
            await MatchCredentialsToDatabaseAsync(db, cancellationToken).ConfigureAwait(false);
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');
        var user = new UserEntity { Id = WrennIds.NewUserId(), Email = AdminEmail, PasswordHash = string.Empty, IsAdmin = true, CreatedAt = now };
        user.PasswordHash = passwords.HashPassword(user, password);
        var team = new TeamEntity { Id = WrennIds.NewTeamId(), Name = "default", CreatedAt = now };
        var apiKey = WrennIds.NewApiKey();

        db.Users.Add(user);
        db.Teams.Add(team);
        db.UsersTeams.Add(new UserTeamEntity { UserId = user.Id, TeamId = team.Id, Role = UserTeamEntity.OwnerRole, CreatedAt = now });
        db.TeamApiKeys.Add(new TeamApiKeyEntity
        {
            Id = "key-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            TeamId = team.Id,
            Name = "bootstrap",
            KeyHash = ApiKeyHasher.Hash(apiKey),
            Prefix = ApiKeyHasher.Prefix(apiKey),
            CreatedByUserId = user.Id,
            CreatedAt = now,
        });

        // The file first: a key that exists only as a hash in the database would be lost for good.
        await new BootstrapCredentials(AdminEmail, password, team.Id, apiKey).WriteAsync(options.Value.WrennDir, cancellationToken).ConfigureAwait(false);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        logger.AdminCreated(
            AdminEmail,
            team.Id,
            BootstrapCredentials.PathIn(options.Value.WrennDir));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Makes $WRENN_DIR/admin-credentials.json the file of the database in use. After a switch (SQLite
    /// to PostgreSQL and back, or a restored backup) it may hold another database's admin, whose
    /// password and key this one does not know; the copy kept for this database (its first admin's
    /// team exists here) is put back instead.
    /// </summary>
    private async Task MatchCredentialsToDatabaseAsync(WrennDbContext db, CancellationToken cancellationToken)
    {
        var wrennDir = options.Value.WrennDir;
        var current = await BootstrapCredentials.ReadAsync(wrennDir, cancellationToken).ConfigureAwait(false);
        if (current is not null && await db.Teams.AnyAsync(t => t.Id == current.TeamId, cancellationToken).ConfigureAwait(false))
        {
            if (!File.Exists(BootstrapCredentials.KeptPathIn(wrennDir, current.TeamId)))
            {
                // Written before copies were kept: keep one now, so a later switch cannot lose it.
                await current.WriteAsync(wrennDir, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        foreach (var kept in await BootstrapCredentials.ReadKeptAsync(wrennDir, cancellationToken).ConfigureAwait(false))
        {
            if (await db.Teams.AnyAsync(t => t.Id == kept.TeamId, cancellationToken).ConfigureAwait(false))
            {
                await kept.WriteAsync(wrennDir, cancellationToken).ConfigureAwait(false);
                logger.CredentialsRestored(
                    BootstrapCredentials.PathIn(wrennDir),
                    kept.TeamId,
                    BootstrapCredentials.KeptPathIn(wrennDir, kept.TeamId));
                return;
            }
        }

        if (current is not null)
        {
            logger.CredentialsOfAnotherDatabase(
                BootstrapCredentials.PathIn(wrennDir),
                wrennDir);
        }
    }
}
