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

    /// <summary>
    /// The short-lived token a registered host presents on heartbeats (each heartbeat's answer carries
    /// the next). It names the host's token generation, so a new registration token revokes it.
    /// </summary>
    public (string Token, DateTime ExpiresAt) ForHost(HostEntity host, TimeSpan lifetime)
    {
        var expires = clock.GetUtcNow().UtcDateTime + lifetime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = HostAudience,
            Expires = expires,
            IssuedAt = clock.GetUtcNow().UtcDateTime,
            NotBefore = clock.GetUtcNow().UtcDateTime,
            Subject = new ClaimsIdentity([new Claim("sub", host.Id), new Claim(WrennClaims.HostTokenGeneration, host.TokenGeneration.ToString(System.Globalization.CultureInfo.InvariantCulture))]),
            SigningCredentials = new SigningCredentials(keys.Get(SigningKeyEntity.HostTokens), SecurityAlgorithms.HmacSha256),
        });
        return (token, expires);
    }
}
