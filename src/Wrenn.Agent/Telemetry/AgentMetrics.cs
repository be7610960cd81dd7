using System.Diagnostics;
using System.Diagnostics.Metrics;
using Wrenn.Agent.Pool;
using Wrenn.Agent.Sandboxes;

namespace Wrenn.Agent.Telemetry;

/// <summary>
/// The agent's meter (served on its Prometheus <c>/metrics</c>): every gRPC call's duration, sandbox
/// create/exec/pause/resume/destroy durations and failures by runtime, and gauges read at each scrape:
/// sandboxes by state, warm pool depth, and the host capacity the sandboxes were given.
/// </summary>
public sealed class AgentMetrics
{
    public const string MeterName = "Wrenn.Agent";

    private readonly Histogram<double> _rpcDuration;
    private readonly Histogram<double> _operationDuration;
    private readonly Counter<long> _operationFailures;

    public AgentMetrics(IMeterFactory meters, SandboxTable sandboxes, WarmPool pool)
    {
        var meter = meters.Create(MeterName);
        _rpcDuration = meter.CreateHistogram<double>("wrenn.agent.rpc.duration", "s", "Duration of each gRPC call the agent served, by method and status");
        _operationDuration = meter.CreateHistogram<double>("wrenn.sandbox.operation.duration", "s", "Duration of sandbox create, exec, pause, resume and destroy, by runtime and outcome");
        _operationFailures = meter.CreateCounter<long>("wrenn.sandbox.operation.failures", null, "Sandbox operations that failed, by runtime and gRPC status");
        meter.CreateObservableGauge("wrenn.sandboxes", () => CountByState(sandboxes), null, "Sandboxes on this host, by state (pooled ones not included)");
        meter.CreateObservableGauge("wrenn.pool.ready", () => pool.Status().Sandboxes, null, "Warm pool sandboxes ready to be claimed");
        meter.CreateObservableGauge("wrenn.host.vcpus.allocated", () => Allocated(sandboxes, pool, s => s.Spec.Vcpus, p => p.Vcpus), null, "vCPUs given to running and paused sandboxes and the warm pool");
        meter.CreateObservableGauge("wrenn.host.memory.allocated", () => Allocated(sandboxes, pool, s => s.Spec.MemoryMb * 1024L * 1024, p => p.MemoryMb * 1024 * 1024), "By", "Memory given to running and paused sandboxes and the warm pool");
        meter.CreateObservableGauge("wrenn.host.cpus", () => Environment.ProcessorCount, null, "CPUs of this host");
    }

    /// <summary>Records one served gRPC call; <paramref name="operation"/> is set for the sandbox operations the issue names.</summary>
    public void RecordCall(string method, string? operation, string runtime, string status, double seconds)
    {
        _rpcDuration.Record(seconds, new TagList { { "rpc.method", method }, { "grpc.status", status } });
        if (operation is null)
        {
            return;
        }

        var ok = status == "OK";
        _operationDuration.Record(seconds, new TagList { { "operation", operation }, { "runtime", runtime }, { "outcome", ok ? "ok" : "error" } });
        if (!ok)
        {
            _operationFailures.Add(1, new TagList { { "operation", operation }, { "runtime", runtime }, { "grpc.status", status } });
        }
    }

    private static IEnumerable<Measurement<int>> CountByState(SandboxTable sandboxes)
    {
        var list = sandboxes.List();
        yield return new Measurement<int>(list.Count(s => s.State == SandboxState.Running), new KeyValuePair<string, object?>("state", "running"));
        yield return new Measurement<int>(list.Count(s => s.State == SandboxState.Paused), new KeyValuePair<string, object?>("state", "paused"));
        yield return new Measurement<int>(list.Count(s => s.State is not (SandboxState.Running or SandboxState.Paused)), new KeyValuePair<string, object?>("state", "other"));
    }

    private static long Allocated(SandboxTable sandboxes, WarmPool pool, Func<Sandbox, long> each, Func<WarmPoolStatus, long> pooled) =>
        sandboxes.List().Where(s => s.State is not (SandboxState.Stopping or SandboxState.Error)).Sum(each) + pooled(pool.Status());
}
