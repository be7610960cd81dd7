using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Wrenn.Agent.Rpc;

/// <summary>
/// Lets through only calls whose token <see cref="CallTokenValidator"/> accepts: anyone else who can
/// reach the port would run code as root. Calls with one request message (unary, server streaming)
/// are bound to its hash; calls that stream their requests (ExecStream, WriteFile) have none when the
/// call starts, so they are bound to their method and a single-use token id, and their messages are
/// protected on the wire by TLS where agents are remote.
/// </summary>
public sealed class CallTokenInterceptor(CallTokenValidator validator, ILogger<CallTokenInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            await AuthenticateAsync(context, request as IMessage ?? throw new RpcException(new Status(StatusCode.Internal, "not a protobuf request"))).ConfigureAwait(false);
            return await continuation(request, context).ConfigureAwait(false);
        }

        // Debug: how long the token check and the work took, beside the caller's view of the call.
        var started = Stopwatch.GetTimestamp();
        await AuthenticateAsync(context, request as IMessage ?? throw new RpcException(new Status(StatusCode.Internal, "not a protobuf request"))).ConfigureAwait(false);
        var checkedAt = Stopwatch.GetTimestamp();
        var response = await continuation(request, context).ConfigureAwait(false);
        logger.CallTimed(context.Method, Ms(Stopwatch.GetElapsedTime(started, checkedAt)), Ms(Stopwatch.GetElapsedTime(checkedAt)));
        return response;
    }

    private static string Ms(TimeSpan elapsed) => elapsed.TotalMilliseconds.ToString("F2", CultureInfo.InvariantCulture);

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context, request as IMessage ?? throw new RpcException(new Status(StatusCode.Internal, "not a protobuf request"))).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context, request: null).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context, request: null).ConfigureAwait(false);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    private Task AuthenticateAsync(ServerCallContext context, IMessage? request) =>
        validator.ValidateAsync(context.RequestHeaders.GetValue("authorization"), context.Method, request);
}
