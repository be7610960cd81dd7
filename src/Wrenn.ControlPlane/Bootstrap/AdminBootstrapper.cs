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
        logger.LogWarning(
            "First start: created admin {Email}, team {TeamId} and an API key; they are in {Path} (readable by root only)",
            AdminEmail,
            team.Id,
            BootstrapCredentials.PathIn(options.Value.WrennDir));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
