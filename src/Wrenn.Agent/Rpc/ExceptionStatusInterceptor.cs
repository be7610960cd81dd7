using Grpc.Core;
using Grpc.Core.Interceptors;
using Wrenn.Agent.Envd;
using Wrenn.Agent.Network;
using Wrenn.Agent.Sandboxes;
using Wrenn.Agent.Storage;

namespace Wrenn.Agent.Rpc;

/// <summary>Maps what the manager throws to gRPC status codes, so the control plane can map them to HTTP.</summary>
public sealed class ExceptionStatusInterceptor(ILogger<ExceptionStatusInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw ToRpcException(ex, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw ToRpcException(ex, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw ToRpcException(ex, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw ToRpcException(ex, context);
        }
    }

    internal static StatusCode StatusFor(Exception exception) => exception switch
    {
        _ when DiskFull.Caused(exception) => StatusCode.ResourceExhausted,
        ArgumentException => StatusCode.InvalidArgument,
        SandboxNotFoundException or ImageNotFoundException => StatusCode.NotFound,
        SandboxConflictException or TemplateInUseException or Transfers.TemplateParentMissingException => StatusCode.FailedPrecondition,
        Transfers.TemplateChecksumMismatchException or Transfers.SandboxChecksumMismatchException => StatusCode.DataLoss,
        TemplateExistsException or Transfers.SandboxExistsException => StatusCode.AlreadyExists,
        Transfers.SandboxImportRefusedException => StatusCode.FailedPrecondition,
        ExecTimeoutException => StatusCode.DeadlineExceeded,
        NoFreeSlotException or TooManyCallsException => StatusCode.ResourceExhausted,
        Runtimes.Vm.KernelNotFoundException or Runtimes.RuntimeUnavailableException => StatusCode.Unavailable,
        ExecOutputTooLargeException or EnvdResponseTooLargeException => StatusCode.OutOfRange,
        EnvdCallException { Code: "not_found" } => StatusCode.NotFound,
        EnvdCallException { Code: "already_exists" } => StatusCode.AlreadyExists,
        EnvdCallException { Code: "permission_denied" } => StatusCode.PermissionDenied,
        EnvdCallException { Code: "resource_exhausted" } => StatusCode.ResourceExhausted,
        EnvdCallException { Code: "invalid_argument" or "failed_precondition" or "unauthenticated" } => StatusCode.InvalidArgument,
        // HttpIOException: a sandbox's envd cut a file it was sending half-way (it died, or the sandbox's process
        // limit was reached; its other answers say so as EnvdProtocolException, EnvdAnswerReads): the same as an
        // envd that refused the connection, not a failure of the agent's own.
        EnvdCallException or EnvdProtocolException or HttpRequestException or HttpIOException => StatusCode.Unavailable,
        OperationCanceledException => StatusCode.Cancelled,
        NotSupportedException => StatusCode.Unimplemented,
        _ => StatusCode.Internal,
    };

    private RpcException ToRpcException(Exception exception, ServerCallContext context)
    {
        if (DiskFull.Caused(exception))
        {
            // A full host disk is RESOURCE_EXHAUSTED with a trailer (the control plane answers 507), and
            // a message without the host paths the exception carries.
            logger.CallFailedDiskFull(exception, context.Method);
            return new RpcException(new Status(StatusCode.ResourceExhausted, DiskFull.Message), new Metadata { { Common.Errors.AgentTrailers.Storage, "full" } });
        }

        var status = StatusFor(exception);
        if (status is StatusCode.Internal or StatusCode.Unavailable)
        {
            logger.CallFailed(exception, context.Method);
        }
        else
        {
            logger.CallRefusedStatus(context.Method, status, exception.Message);
        }

        // A limit's refusal and a full host share RESOURCE_EXHAUSTED; the trailer tells them apart.
        var trailers = exception is TooManyCallsException tooMany ? new Metadata { { Common.Errors.AgentTrailers.Limit, tooMany.Scope } } : Metadata.Empty;
        return new RpcException(new Status(status, exception.Message), trailers);
    }
}
