using System.Security.Claims;
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

/// <summary>
/// /v1/auth: sign up (a user and a personal team), log in (a 24-hour session token), log out and
/// change the password (both revoke sessions).
/// </summary>
public static class AuthApi
{
    public const string LoginRateLimit = "login";

    public static void MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/auth");
        group.MapPost("/signup", SignupAsync).RequireRateLimiting(LoginRateLimit);
        group.MapPost("/login", LoginAsync).RequireRateLimiting(LoginRateLimit);
        group.MapPost("/logout", LogoutAsync).RequireAuthorization(AuthSchemes.AccountPolicy);
        group.MapGet("/me", MeAsync).RequireAuthorization(AuthSchemes.AccountPolicy);
        group.MapPost("/password", ChangePasswordAsync).RequireAuthorization(AuthSchemes.AccountPolicy).RequireRateLimiting(LoginRateLimit);
    }

    private static async Task<IResult> SignupAsync(HttpRequest request, WrennDbContext db, IPasswordHasher<UserEntity> passwords, TimeProvider clock, Invites invites, IAuditLog audit, IOptions<ControlPlaneOptions> options)
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

        var now = clock.GetUtcNow().UtcDateTime;
        var user = new UserEntity { Id = WrennIds.NewUserId(), Email = email, PasswordHash = string.Empty, CreatedAt = now };
        // Hashed before looking the address up, so a taken address costs the same work as a free one.
        user.PasswordHash = passwords.HashPassword(user, body.Password!);
        var accepted = ApiResults.Json(
            new SignupAcceptedResponse("if the address had no account, it has one now; log in with its password"),
            ControlPlaneJsonContext.Default.SignupAcceptedResponse,
            StatusCodes.Status202Accepted);
        if (await db.Users.AnyAsync(u => u.Email == email, cancellationToken).ConfigureAwait(false))
        {
            // The same answer as for a free address: sign-up must not tell who has an account.
            return accepted;
        }

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
            return accepted;
        }

        await audit.RecordAsync(request.HttpContext, AuditActions.Signup, team.Id, user.Id, invite is null ? "open sign-up" : "invite " + invite.Id, actorUserId: user.Id).ConfigureAwait(false);
        return accepted;
    }

    private static async Task<IResult> LoginAsync(HttpRequest request, WrennDbContext db, PasswordCheck passwords, UserSessions sessions, LoginThrottle throttle, IAuditLog audit)
    {
        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.SignupRequest, new SignupRequest(null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var cancellationToken = request.HttpContext.RequestAborted;
        var email = AccountRules.NormalizeEmail(body!.Email);
        if (email is not null && throttle.RetryAfter(email) is { } wait)
        {
            await audit.RecordAsync(request.HttpContext, AuditActions.LoginFailed, null, null, "throttled: " + email).ConfigureAwait(false);
            return ApiResults.TooManyRequests(request.HttpContext, wait, "too many failed logins for this account; try again later");
        }

        var user = email is null ? null : await db.Users.SingleOrDefaultAsync(u => u.Email == email, cancellationToken).ConfigureAwait(false);
        // One answer, and one password verification, for "no such user" and "wrong password":
        // neither the reply nor its time tells a guesser which it was.
        if (!passwords.Verify(user, body.Password))
        {
            if (email is not null)
            {
                throttle.RecordFailure(email);
            }

            // No team: failed logins are for administrators' eyes (the address tried may belong to nobody).
            await audit.RecordAsync(request.HttpContext, AuditActions.LoginFailed, null, user?.Id, "wrong email or password: " + (email ?? "(not an email)")).ConfigureAwait(false);
            return ApiResults.Error(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "wrong email or password");
        }

        throttle.RecordSuccess(email!);

        var teams = await TeamsApi.TeamsOfAsync(db, user!.Id, cancellationToken).ConfigureAwait(false);
        var (token, expires) = await sessions.StartAsync(user, cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(request.HttpContext, AuditActions.LoginSucceeded, null, user.Id, actorUserId: user.Id).ConfigureAwait(false);
        return ApiResults.Json(new SessionResponse(token, expires, user.Id, user.Email, teams), ControlPlaneJsonContext.Default.SessionResponse);
    }

    /// <summary>Who the session is for: the dashboard asks this when it starts.</summary>
    private static async Task<IResult> MeAsync(ClaimsPrincipal caller, WrennDbContext db, CancellationToken cancellationToken)
    {
        var userId = CurrentUser.Id(caller);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            // The session outlived its user.
            return ApiResults.Error(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "the session's user no longer exists");
        }

        var teams = await TeamsApi.TeamsOfAsync(db, userId, cancellationToken).ConfigureAwait(false);
        return ApiResults.Json(new MeResponse(user.Id, user.Email, user.IsAdmin, teams), ControlPlaneJsonContext.Default.MeResponse);
    }

    /// <summary>Revokes the session the request was made with; its token is refused from now on.</summary>
    private static async Task<IResult> LogoutAsync(HttpContext http, ClaimsPrincipal caller, UserSessions sessions, IAuditLog audit, CancellationToken cancellationToken)
    {
        await sessions.RevokeAsync(CurrentUser.SessionId(caller), cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(http, AuditActions.Logout, null, CurrentUser.Id(caller)).ConfigureAwait(false);
        return Results.NoContent();
    }

    /// <summary>Sets a new password after checking the current one, and revokes every other session of the user.</summary>
    private static async Task<IResult> ChangePasswordAsync(HttpRequest request, ClaimsPrincipal caller, WrennDbContext db, PasswordCheck check, IPasswordHasher<UserEntity> passwords, UserSessions sessions, IAuditLog audit)
    {
        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.ChangePasswordRequest, new ChangePasswordRequest(null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (AccountRules.CheckPassword(body!.NewPassword) is { } weak)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "new_" + weak);
        }

        var cancellationToken = request.HttpContext.RequestAborted;
        var userId = CurrentUser.Id(caller);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, cancellationToken).ConfigureAwait(false);
        if (!check.Verify(user, body.CurrentPassword))
        {
            return ApiResults.Error(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "current_password is wrong");
        }

        user!.PasswordHash = passwords.HashPassword(user, body.NewPassword!);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await sessions.RevokeOthersAsync(user.Id, CurrentUser.SessionId(caller), cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(request.HttpContext, AuditActions.PasswordChanged, null, user.Id, "other sessions ended").ConfigureAwait(false);
        return Results.NoContent();
    }
}
