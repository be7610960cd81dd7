using System.Security.Claims;
using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Wrenn.Common.Security;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>Call tokens as the control plane mints them (written here from the contract in AgentCallClaims), with knobs to spoil them.</summary>
public static class TestCallTokens
{
    public const string HostId = "host-0123456789abcdef";

    public static readonly string Secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static string Mint(string method, IMessage? request, string? tokenId = null, DateTime? issuedAt = null, TimeSpan? lifetime = null, string secret = "")
    {
        var issued = issuedAt ?? DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Jti] = tokenId ?? Guid.NewGuid().ToString("N"),
            [AgentCallClaims.Method] = method,
        };
        if (request is not null)
        {
            claims[AgentCallClaims.RequestHash] = AgentCallClaims.HashOf(request);
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = AgentCallClaims.Issuer,
            Audience = HostId,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = issued + (lifetime ?? AgentCallClaims.Lifetime),
            Subject = new ClaimsIdentity([new Claim("sub", "control-plane")]),
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Convert.FromHexString(secret.Length > 0 ? secret : Secret)), SecurityAlgorithms.HmacSha256),
        });
    }
}
