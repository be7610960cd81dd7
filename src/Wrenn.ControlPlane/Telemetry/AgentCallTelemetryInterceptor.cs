using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Wrenn.ControlPlane.Telemetry;

/// <summary>
/// Times the control plane's unary calls to host agents, from the call to its answer (signing, the
/// wire and the agent's work), into <see cref="ControlPlaneMetrics"/>. Streaming calls (exec streams,
/// files, ports) last as long as their user keeps them open, so their duration says nothing about latency.
/// </summary>
public sealed class AgentCallTelemetryInterceptor(ControlPlaneMetrics metrics) : Interceptor
{
    /// <summary>The call invoker with <paramref name="telemetry"/> outermost (so signing is timed too); as it is when there is none (services composed without it).</summary>
    public static CallInvoker Around(CallInvoker invoker, AgentCallTelemetryInterceptor? telemetry) =>
        telemetry is null ? invoker : invoker.Intercept(telemetry);

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var call = continuation(request, context);
        return new AsyncUnaryCall<TResponse>(
            ObserveAsync(call.ResponseAsync, context.Method.Name, started),
            call.ResponseHeadersAsync,
            call.GetStatus,
            call.GetTrailers,
            call.Dispose);
    }

    private async Task<TResponse> ObserveAsync<TResponse>(Task<TResponse> response, string method, long started)
    {
        var status = "OK";
        try
        {
            return await response.ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            status = ex.StatusCode.ToString();
            throw;
        }
        finally
        {
            metrics.RecordAgentCall(method, status, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }
}
