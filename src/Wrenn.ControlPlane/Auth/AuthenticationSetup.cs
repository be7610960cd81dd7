using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Auth;

/// <summary>API keys, user sessions and host tokens; the policies endpoints require; login rate limits.</summary>
public static class AuthenticationSetup
{
    /// <summary>Login and signup attempts one client address may make per minute.</summary>
    public const int LoginAttemptsPerMinute = 10;

    public static void AddWrennAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<SigningKeys>();
        services.AddSingleton<ApiKeyCache>();
        services.AddSingleton<ApiKeyRevocationInterceptor>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<PasswordCheck>();
        services.AddScoped<UserSessions>();
        services.AddSingleton<LoginThrottle>();
        services.AddScoped<ExecTickets>();
        services.AddScoped<TeamScopeFilter>();
        services.AddAuthentication(ApiKeyAuthenticationOptions.SchemeName)
            .AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationOptions.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, ExecTicketAuthenticationHandler>(ExecTicketAuthenticationHandler.SchemeName, null)
            .AddJwtBearer(AuthSchemes.User)
            .AddJwtBearer(AuthSchemes.Host);
        // Keys come from the database through the SigningKeys singleton, loaded at start.
        services.AddOptions<JwtBearerOptions>(AuthSchemes.User).Configure<SigningKeys>((jwt, keys) => Configure(jwt, keys, SigningKeyEntity.UserTokens, TokenIssuer.UserAudience, TimeSpan.FromSeconds(30), checkSession: true));
        services.AddOptions<JwtBearerOptions>(AuthSchemes.Host).Configure<SigningKeys>((jwt, keys) => Configure(jwt, keys, SigningKeyEntity.HostTokens, TokenIssuer.HostAudience, TimeSpan.Zero, checkSession: false));
        services.AddAuthorizationBuilder()
            .AddPolicy(AuthSchemes.SandboxPolicy, policy => policy.AddAuthenticationSchemes(ExecTicketAuthenticationHandler.SchemeName, ApiKeyAuthenticationOptions.SchemeName, AuthSchemes.User).RequireAuthenticatedUser())
            .AddPolicy(AuthSchemes.AccountPolicy, policy => policy.AddAuthenticationSchemes(AuthSchemes.User).RequireAuthenticatedUser().RequireClaim("sub"))
            .AddPolicy(AuthSchemes.HostPolicy, policy => policy.AddAuthenticationSchemes(AuthSchemes.Host).RequireAuthenticatedUser().RequireClaim("sub"));
        services.AddRateLimiter(limiter =>
        {
            // The connecting address, or the one a trusted proxy forwarded (ForwardedHeadersSetup runs first).
            limiter.AddPolicy(AuthApi.LoginRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = LoginAttemptsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            limiter.OnRejected = (context, _) =>
            {
                ApiResults.SetRetryAfter(context.HttpContext, context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1));
                return new ValueTask(ApiResults.WriteErrorAsync(
                    context.HttpContext,
                    StatusCodes.Status429TooManyRequests,
                    ErrorCodes.RateLimited,
                    $"too many attempts; at most {LoginAttemptsPerMinute} a minute"));
            };
        });
    }

    /// <param name="clockSkew">
    /// Host tokens need none: the control plane both issues and checks them, and they live only an hour
    /// (or what WRENN_HOST_TOKEN_TTL_SEC says), so an expired one must stop at once.
    /// </param>
    private static void Configure(JwtBearerOptions jwt, SigningKeys keys, string purpose, string audience, TimeSpan clockSkew, bool checkSession)
    {
        jwt.MapInboundClaims = false;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = TokenIssuer.Issuer,
            ValidAudience = audience,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = clockSkew,
            // Only the key the token names (kid), and only while it is not retired.
            IssuerSigningKeyResolver = (_, _, kid, _) => keys.Verifying(purpose, kid),
        };
        jwt.Events = new JwtBearerEvents
        {
            OnTokenValidated = async context =>
            {
                if (!checkSession)
                {
                    return;
                }

                // A signature proves the token was issued, not that its session still stands.
                var principal = context.Principal!;
                var sessionId = principal.FindFirst("jti")?.Value;
                var userId = principal.FindFirst("sub")?.Value;
                var sessions = context.HttpContext.RequestServices.GetRequiredService<UserSessions>();
                if (sessionId is null || userId is null || !await sessions.IsActiveAsync(sessionId, userId, context.HttpContext.RequestAborted).ConfigureAwait(false))
                {
                    context.Fail("session ended");
                }
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                if (context.Response.HasStarted)
                {
                    // Another scheme of the same policy has answered already.
                    return;
                }

                var message = context.AuthenticateFailure is null ? "missing credentials" : "invalid or expired token";
                await ApiResults.WriteErrorAsync(context.HttpContext, StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, message).ConfigureAwait(false);
            },
        };
    }
}
