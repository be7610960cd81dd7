using System.Diagnostics;

namespace Wrenn.Agent.Telemetry;

/// <summary>
/// The agent's spans: one per step of a multi-step operation (a create's network, disk, container.run,
/// envd.ready …), children of the gRPC call's span, so one slow create can be read step by step.
/// An ActivitySource is a process-wide name, like a logger category: it keeps nothing itself, and
/// creates nothing unless a tracer (OTEL_EXPORTER_OTLP_ENDPOINT) listens.
/// </summary>
public static class AgentActivities
{
    public const string SourceName = "Wrenn.Agent";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>Starts the span of step <paramref name="step"/> of <paramref name="operation"/> ("create sb-…"); null when no one listens.</summary>
    public static Activity? Step(string operation, string step)
    {
        var activity = Source.StartActivity(step);
        activity?.SetTag("wrenn.operation", operation);
        return activity;
    }
}
