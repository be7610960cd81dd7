using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.Common.Errors;
using Wrenn.Common.Ids;
using Wrenn.ControlPlane.Accounts;
using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Api;

/// <summary>/v1/auth: sign up (a user and a personal team) and log in (a 24-hour session token).</summary>
public static class AuthApi
{
    public const string LoginRateLimit = "login";

    public static void MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/auth");
        group.MapPost("/signup", SignupAsync).RequireRateLimiting(LoginRateLimit);
        group.MapPost("/login", LoginAsync).RequireRateLimiting(LoginRateLimit);
    }

    private static async Task<IResult> SignupAsync(HttpRequest request, WrennDbContext db, IPasswordHasher<UserEntity> passwords, TokenIssuer tokens, TimeProvider clock, Invites invites, IAuditLog audit, IOptions<ControlPlaneOptions> options)
    {
        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.SignupRequest, new SignupRequest(null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var email = AccountRules.NormalizeEmail(body!.Email);
        if (email is null)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "email must be an email address");
        }

        if (AccountRules.CheckPassword(body.Password) is { } weak)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, weak);
        }

        var cancellationToken = request.HttpContext.RequestAborted;
        // Who may sign up is settled before anything about the address is looked at or told.
        var invite = await invites.FindUsableAsync(body.Invite, email, cancellationToken).ConfigureAwait(false);
        if (invite is null && (body.Invite is not null || options.Value.Signup != SignupMode.Open))
        {
            return ApiResults.Error(
                StatusCodes.Status403Forbidden,
                ErrorCodes.Forbidden,
                body.Invite is null ? "sign-up needs an invite; ask an administrator" : "that invite is not valid: unknown, used, expired or for another email");
        }

        if (await db.Users.AnyAsync(u => u.Email == email, cancellationToken).ConfigureAwait(false))
        {
            return ApiResults.Error(StatusCodes.Status409Conflict, ErrorCodes.Conflict, "an account with that email exists; log in instead");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var user = new UserEntity { Id = WrennIds.NewUserId(), Email = email, PasswordHash = string.Empty, CreatedAt = now };
        user.PasswordHash = passwords.HashPassword(user, body.Password!);
        var team = new TeamEntity { Id = WrennIds.NewTeamId(), Name = email, CreatedAt = now };
        db.Users.Add(user);
        db.Teams.Add(team);
        db.UsersTeams.Add(new UserTeamEntity { UserId = user.Id, TeamId = team.Id, Role = UserTeamEntity.OwnerRole, CreatedAt = now });
        if (invite is not null)
        {
            invites.Redeem(invite, user, now);
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another sign-up used the invite first.
            return ApiResults.Error(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "that invite is not valid: unknown, used, expired or for another email");
        }
        catch (DbUpdateException)
        {
            // Two signups for one address raced; the unique index let one through.
            return ApiResults.Error(StatusCodes.Status409Conflict, ErrorCodes.Conflict, "an account with that email exists; log in instead");
        }

        await audit.RecordAsync(request.HttpContext, AuditActions.Signup, team.Id, user.Id, invite is null ? "open sign-up" : "invite " + invite.Id, actorUserId: user.Id).ConfigureAwait(false);
        var (token, expires) = tokens.ForUser(user);
        return ApiResults.Json(
            new SessionResponse(token, expires, user.Id, email, await TeamsApi.TeamsOfAsync(db, user.Id, cancellationToken).ConfigureAwait(false)),
            ControlPlaneJsonContext.Default.SessionResponse,
            StatusCodes.Status201Created);
    }

    private static async Task<IResult> LoginAsync(HttpRequest request, WrennDbContext db, IPasswordHasher<UserEntity> passwords, TokenIssuer tokens)
    {
        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.SignupRequest, new SignupRequest(null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var cancellationToken = request.HttpContext.RequestAborted;
        var email = AccountRules.NormalizeEmail(body!.Email);
        var user = email is null ? null : await db.Users.SingleOrDefaultAsync(u => u.Email == email, cancellationToken).ConfigureAwait(false);
        // One answer for "no such user" and "wrong password": neither tells a guesser which it was.
        if (user is null || body.Password is null || passwords.VerifyHashedPassword(user, user.PasswordHash, body.Password) == PasswordVerificationResult.Failed)
        {
            return ApiResults.Error(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "wrong email or password");
        }

        var teams = await TeamsApi.TeamsOfAsync(db, user.Id, cancellationToken).ConfigureAwait(false);
        var (token, expires) = tokens.ForUser(user);
        return ApiResults.Json(new SessionResponse(token, expires, user.Id, user.Email, teams), ControlPlaneJsonContext.Default.SessionResponse);
    }
}
