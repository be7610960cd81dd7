using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Wrenn.Agent.Runtimes;
using Wrenn.Telemetry;

namespace Wrenn.Agent.Telemetry;

/// <summary>
/// Outermost interceptor of the agent's gRPC service: times every call into <see cref="AgentMetrics"/>
/// (after the other interceptors mapped exceptions to statuses), and holds a <see cref="SandboxLogScope"/>
/// around calls whose request (or, for a streaming call, first message) names a sandbox, so every log line
/// of that work carries the sandbox id.
/// </summary>
public sealed class AgentTelemetryInterceptor(AgentMetrics metrics, IRuntime runtime, ILogger<AgentTelemetryInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        using var scope = BeginSandboxScope(request);
        var started = Stopwatch.GetTimestamp();
        var status = "OK";
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            status = StatusOf(ex);
            throw;
        }
        finally
        {
            Record(context.Method, status, started);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var scope = BeginSandboxScope(request);
        var started = Stopwatch.GetTimestamp();
        var status = "OK";
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            status = StatusOf(ex);
            throw;
        }
        finally
        {
            Record(context.Method, status, started);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var status = "OK";
        IDisposable? scope = null;
        try
        {
            (requestStream, var first) = await PeekAsync(requestStream, context).ConfigureAwait(false);

            // Begun here, not in PeekAsync: a scope lives in an AsyncLocal, which an awaited method's changes do not leave.
            scope = first is null ? null : BeginSandboxScope(first);
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            status = StatusOf(ex);
            throw;
        }
        finally
        {
            scope?.Dispose();
            Record(context.Method, status, started);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var status = "OK";
        IDisposable? scope = null;
        try
        {
            (requestStream, var first) = await PeekAsync(requestStream, context).ConfigureAwait(false);

            // Begun here, not in PeekAsync: a scope lives in an AsyncLocal, which an awaited method's changes do not leave.
            scope = first is null ? null : BeginSandboxScope(first);
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            status = StatusOf(ex);
            throw;
        }
        finally
        {
            scope?.Dispose();
            Record(context.Method, status, started);
        }
    }

    /// <summary>The sandbox operation a method is, for the per-runtime metrics; null for the rest.</summary>
    internal static string? OperationOf(string method) => method[(method.LastIndexOf('/') + 1)..] switch
    {
        "CreateSandbox" => "create",
        "Exec" or "ExecStream" => "exec",
        "PauseSandbox" => "pause",
        "ResumeSandbox" => "resume",
        "DestroySandbox" => "destroy",
        _ => null,
    };

    private static string StatusOf(Exception ex) => ex is RpcException rpc ? rpc.StatusCode.ToString() : StatusCode.Unknown.ToString();

    /// <summary>Every request naming a sandbox has it as field <c>sandbox_id</c> (proto/hostagent/v1).</summary>
    private IDisposable? BeginSandboxScope<TRequest>(TRequest request) =>
        request is IMessage message && SandboxIdOf(message) is { } sandboxId
            ? logger.BeginScope(new SandboxLogScope(sandboxId))
            : null;

    /// <summary>
    /// A streaming call names its sandbox in its first message (ExecStream's start, WriteFile's header,
    /// OpenPort's first chunk): read it before the handler, so the whole call (its handler's lines and the
    /// failure the exception interceptor logs) runs inside the sandbox's scope; the handler still gets that message first.
    /// </summary>
    private static async Task<(IAsyncStreamReader<TRequest> Stream, TRequest? First)> PeekAsync<TRequest>(
        IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context)
        where TRequest : class
    {
        var hasFirst = await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false);
        return (new PeekedStreamReader<TRequest>(requestStream, hasFirst), hasFirst ? requestStream.Current : null);
    }

    /// <summary>The request's <c>sandbox_id</c>, or that of the message set in one of its fields (a streaming call's first message wraps it).</summary>
    internal static string? SandboxIdOf(IMessage message)
    {
        if (message.Descriptor.FindFieldByName("sandbox_id") is { } field)
        {
            return field.Accessor.GetValue(message) is string { Length: > 0 } sandboxId ? sandboxId : null;
        }

        foreach (var nested in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (nested.FieldType == Google.Protobuf.Reflection.FieldType.Message && !nested.IsRepeated && !nested.IsMap
                && nested.Accessor.GetValue(message) is IMessage inner
                && inner.Descriptor.FindFieldByName("sandbox_id") is { } innerField
                && innerField.Accessor.GetValue(inner) is string { Length: > 0 } innerId)
            {
                return innerId;
            }
        }

        return null;
    }

    private void Record(string method, string status, long started)
    {
        var name = method[(method.LastIndexOf('/') + 1)..];
        metrics.RecordCall(name, OperationOf(method), runtime.Name, status, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }
}
