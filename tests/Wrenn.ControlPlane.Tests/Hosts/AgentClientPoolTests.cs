using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Wrenn.Common.HostAgent.V1;
using Wrenn.Common.Security;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;

namespace Wrenn.ControlPlane.Tests.Hosts;

/// <summary>
/// The pool keeps one client per host (its signing key made once), and a host that registers again
/// with a new secret gets its calls signed with the new secret at once, never the old one.
/// </summary>
public sealed class AgentClientPoolTests
{
    [Fact]
    public async Task Calls_are_signed_with_the_hosts_current_secret_across_a_new_registration()
    {
        var agent = new HeaderCapturingAgent();
        await using var server = await FakeAgent.StartAsync(agent);
        using var pool = new AgentClientPool(Options.Create(new ControlPlaneOptions()), TimeProvider.System);
        var first = NewSecret();
        var host = new HostEntity { Id = "host-pool-test", State = HostEntity.ReadyState, Address = "http://" + server.Address, AgentSecret = first };
        var ct = TestContext.Current.CancellationToken;

        await pool.For(host).ExecAsync(new ExecRequest { SandboxId = "sb-0123456789abcdef", Cmd = "true" }, cancellationToken: ct);
        Assert.Same(pool.For(host), pool.For(host));
        var second = NewSecret();
        host.AgentSecret = second;
        await pool.For(host).ExecAsync(new ExecRequest { SandboxId = "sb-0123456789abcdef", Cmd = "true" }, cancellationToken: ct);

        var tokens = agent.Authorizations.Select(a => a!["Bearer ".Length..]).ToList();
        Assert.Equal(2, tokens.Count);
        Assert.True(await SignedWithAsync(tokens[0], host.Id, first));
        Assert.True(await SignedWithAsync(tokens[1], host.Id, second));
        Assert.False(await SignedWithAsync(tokens[1], host.Id, first));
        Assert.NotEqual(tokens[0], tokens[1]);
    }

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static async Task<bool> SignedWithAsync(string token, string hostId, string secret)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = AgentCallClaims.Issuer,
            ValidAudience = hostId,
            IssuerSigningKey = new SymmetricSecurityKey(Convert.FromHexString(secret)),
        });
        return result.IsValid;
    }
}
