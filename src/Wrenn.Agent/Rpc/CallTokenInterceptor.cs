using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Wrenn.Agent.Registration;

namespace Wrenn.Agent.Rpc;

/// <summary>
/// Lets through only calls carrying a token the control plane signed with this host's secret, for
/// this host, not expired. The secret came once, at registration; anyone else who can reach the
/// port would otherwise run code as root.
/// </summary>
public sealed class CallTokenInterceptor(HostCredentials credentials) : Interceptor
{
    private const string Scheme = "Bearer ";
    private const string Issuer = "wrenn-cp";

    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters _parameters = new()
    {
        ValidIssuer = Issuer,
        ValidAudience = credentials.HostId,
        IssuerSigningKey = new SymmetricSecurityKey(Convert.FromHexString(credentials.AgentSecret)),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ClockSkew = TimeSpan.FromSeconds(30),
        RequireExpirationTime = true,
    };

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context).ConfigureAwait(false);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    private async Task AuthenticateAsync(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null || !header.StartsWith(Scheme, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "missing bearer token"));
        }

        var result = await _handler.ValidateTokenAsync(header[Scheme.Length..], _parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "invalid call token: " + result.Exception?.Message));
        }
    }
}
