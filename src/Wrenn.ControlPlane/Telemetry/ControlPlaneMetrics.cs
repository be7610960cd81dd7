using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Wrenn.ControlPlane.Telemetry;

/// <summary>
/// The control plane's own meter (served on its Prometheus <c>/metrics</c>, beside ASP.NET Core's
/// request duration per route): how long each call to a host agent took, by method and status.
/// </summary>
public sealed class ControlPlaneMetrics
{
    public const string MeterName = "Wrenn.ControlPlane";

    private readonly Histogram<double> _agentCallDuration;

    public ControlPlaneMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _agentCallDuration = meter.CreateHistogram<double>("wrenn.agent.call.duration", "s", "Duration of the control plane's calls to host agents, by method and status");
    }

    public void RecordAgentCall(string method, string status, double seconds) =>
        _agentCallDuration.Record(seconds, new TagList { { "rpc.method", method }, { "grpc.status", status } });
}
