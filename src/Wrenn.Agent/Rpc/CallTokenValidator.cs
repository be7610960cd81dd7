using Google.Protobuf;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Wrenn.Agent.Registration;
using Wrenn.Common.Security;

namespace Wrenn.Agent.Rpc;

/// <summary>
/// Checks the token on a call from the control plane (see <see cref="AgentCallClaims"/>): signed with
/// this host's secret, for this host, alive now and issued for at most a minute, for this very method,
/// for this very request (when the call has one request message), and never seen before.
/// </summary>
public sealed class CallTokenValidator(HostCredentials credentials, CallTokenReplayCache replays, ILogger<CallTokenValidator> logger)
{
    private const string Scheme = "Bearer ";

    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters _parameters = new()
    {
        ValidIssuer = AgentCallClaims.Issuer,
        ValidAudience = credentials.HostId,
        IssuerSigningKey = new SymmetricSecurityKey(Convert.FromHexString(credentials.AgentSecret)),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ClockSkew = AgentCallClaims.ClockSkew,
        RequireExpirationTime = true,
    };

    /// <param name="authorization">The call's authorization header.</param>
    /// <param name="method">The full gRPC method called.</param>
    /// <param name="request">The call's request message; null for calls that stream requests (bound by method and token id only).</param>
    /// <exception cref="RpcException">Unauthenticated, with the reason.</exception>
    public async Task ValidateAsync(string? authorization, string method, IMessage? request)
    {
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.Ordinal))
        {
            throw Refuse("missing bearer token");
        }

        var result = await _handler.ValidateTokenAsync(authorization[Scheme.Length..], _parameters).ConfigureAwait(false);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken token)
        {
            throw Refuse("invalid call token: " + result.Exception?.Message);
        }

        if (token.ValidTo - token.IssuedAt > AgentCallClaims.MaxLifetime)
        {
            throw Refuse($"call token lives longer than {AgentCallClaims.MaxLifetime.TotalSeconds:0} s");
        }

        if (!token.TryGetPayloadValue<string>(AgentCallClaims.Method, out var tokenMethod) || tokenMethod != method)
        {
            throw Refuse("call token is for another method");
        }

        if (request is not null
            && (!token.TryGetPayloadValue<string>(AgentCallClaims.RequestHash, out var hash) || hash != AgentCallClaims.HashOf(request)))
        {
            throw Refuse("call token is for another request");
        }

        if (string.IsNullOrEmpty(token.Id) || !replays.TryUse(token.Id, new DateTimeOffset(token.ValidTo, TimeSpan.Zero) + AgentCallClaims.ClockSkew))
        {
            throw Refuse("call token was used before");
        }
    }

    private RpcException Refuse(string reason)
    {
        logger.CallRefused(reason);
        return new RpcException(new Status(StatusCode.Unauthenticated, reason));
    }
}
