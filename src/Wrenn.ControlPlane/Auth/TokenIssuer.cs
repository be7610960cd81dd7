using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Auth;

/// <summary>Mints the JWTs the control plane hands out: user sessions and host tokens; the header names the key (kid).</summary>
public sealed class TokenIssuer(SigningKeys keys, TimeProvider clock)
{
    public const string Issuer = "wrenn-cp";
    public const string UserAudience = "wrenn-api";
    public const string HostAudience = "wrenn-hosts";
    public static readonly TimeSpan UserTokenLifetime = TimeSpan.FromHours(24);
    public static readonly TimeSpan HostTokenLifetime = TimeSpan.FromDays(3650);

    private readonly JsonWebTokenHandler _handler = new();

    /// <summary>A session token for <paramref name="user"/>; <paramref name="session"/> (its jti) is what logout revokes.</summary>
    public string ForUser(UserEntity user, SessionEntity session) => _handler.CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = UserAudience,
        Expires = session.ExpiresAt,
        IssuedAt = session.CreatedAt,
        NotBefore = session.CreatedAt,
        Subject = new ClaimsIdentity([new Claim("sub", user.Id), new Claim("email", user.Email), new Claim(JwtRegisteredClaimNames.Jti, session.Id)]),
        SigningCredentials = new SigningCredentials(keys.Get(SigningKeyEntity.UserTokens), SecurityAlgorithms.HmacSha256),
    });

    /// <summary>The long-lived token a registered host presents on heartbeats.</summary>
    public string ForHost(HostEntity host) => _handler.CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = HostAudience,
        Expires = clock.GetUtcNow().UtcDateTime + HostTokenLifetime,
        IssuedAt = clock.GetUtcNow().UtcDateTime,
        NotBefore = clock.GetUtcNow().UtcDateTime,
        Subject = new ClaimsIdentity([new Claim("sub", host.Id)]),
        SigningCredentials = new SigningCredentials(keys.Get(SigningKeyEntity.HostTokens), SecurityAlgorithms.HmacSha256),
    });
}
