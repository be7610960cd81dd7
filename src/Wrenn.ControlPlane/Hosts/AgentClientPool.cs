using System.Collections.Concurrent;
using System.Security.Claims;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Wrenn.Common.HostAgent.V1;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// One gRPC channel per agent address, reused across requests. Every call carries a short-lived
/// token signed with the host's own secret (given to the agent once, at registration), so an agent
/// accepts calls only from the control plane it registered with.
/// </summary>
public sealed class AgentClientPool(TimeProvider clock) : IDisposable
{
    public const string Issuer = "wrenn-cp";
    public static readonly TimeSpan CallTokenLifetime = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset RenewAt)> _tokens = new(StringComparer.Ordinal);
    private readonly JsonWebTokenHandler _handler = new();

    public HostAgent.HostAgentClient For(HostEntity host)
    {
        var channel = _channels.GetOrAdd(host.Address, static address => GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                UseProxy = false,
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            },
            MaxReceiveMessageSize = 128 * 1024 * 1024,
            MaxSendMessageSize = 64 * 1024 * 1024,
        }));
        var hostId = host.Id;
        var secret = host.AgentSecret;
        var invoker = channel.Intercept(metadata =>
        {
            metadata.Add("authorization", "Bearer " + TokenFor(hostId, secret));
            return metadata;
        });
        return new HostAgent.HostAgentClient(invoker);
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
    }

    /// <summary>A token for the host, minted again a minute before the last one expires.</summary>
    private string TokenFor(string hostId, string secret)
    {
        var now = clock.GetUtcNow();
        var key = hostId + ":" + secret;
        if (_tokens.TryGetValue(key, out var cached) && cached.RenewAt > now)
        {
            return cached.Token;
        }

        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = hostId,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime.AddSeconds(-30),
            Expires = (now + CallTokenLifetime).UtcDateTime,
            Subject = new ClaimsIdentity([new Claim("sub", "control-plane")]),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Convert.FromHexString(secret)), SecurityAlgorithms.HmacSha256),
        });
        _tokens[key] = (token, now + CallTokenLifetime - TimeSpan.FromMinutes(1));
        return token;
    }
}
