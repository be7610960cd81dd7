using System.Security.Claims;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Wrenn.Common.Security;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// Puts a fresh token on every call to one host's agent (see <see cref="AgentCallClaims"/>): signed
/// with the host's secret, for that host, alive 30 s, single-use (a random jti), for the method called
/// and, when the call has one request message, for that message's hash. A token read off the wire
/// is good for nothing else, and not twice.
/// </summary>
public sealed class AgentCallTokenInterceptor(string hostId, string agentSecret, TimeProvider clock) : Interceptor
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly SigningCredentials _signing = new(new SymmetricSecurityKey(Convert.FromHexString(agentSecret)), SecurityAlgorithms.HmacSha256);

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithToken(context, request));

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithToken(context, request));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithToken(context, request));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(WithToken(context, request: null));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(WithToken(context, request: null));

    /// <summary>The token for one call; <paramref name="request"/> is null for calls that stream their requests.</summary>
    public string TokenFor(string method, IMessage? request)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Jti] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            [AgentCallClaims.Method] = method,
        };
        if (request is not null)
        {
            claims[AgentCallClaims.RequestHash] = AgentCallClaims.HashOf(request);
        }

        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = AgentCallClaims.Issuer,
            Audience = hostId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + AgentCallClaims.Lifetime,
            Subject = new ClaimsIdentity([new Claim("sub", "control-plane")]),
            Claims = claims,
            SigningCredentials = _signing,
        });
    }

    private ClientInterceptorContext<TRequest, TResponse> WithToken<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, TRequest? request)
        where TRequest : class
        where TResponse : class
    {
        var headers = context.Options.Headers ?? [];
        headers.Add("authorization", "Bearer " + TokenFor(context.Method.FullName, request as IMessage));
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
    }
}
