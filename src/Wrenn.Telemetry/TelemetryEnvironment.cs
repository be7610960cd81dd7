namespace Wrenn.Telemetry;

/// <summary>The environment variables that shape metrics, traces and log output (docs/configuration.md).</summary>
public static class TelemetryEnvironment
{
    /// <summary>`text` (default) or `json`: one JSON object per line on standard output.</summary>
    public const string LogFormat = "WRENN_LOG_FORMAT";

    /// <summary>Where the control plane serves Prometheus `/metrics`; `off` serves none.</summary>
    public const string ControlPlaneMetricsListenAddress = "WRENN_CP_METRICS_LISTEN_ADDR";

    /// <summary>Loopback by default: the scrape endpoint has no authentication.</summary>
    public const string DefaultControlPlaneMetricsListenAddress = "127.0.0.1:9464";

    /// <summary>Where the agent serves Prometheus `/metrics`; `off` serves none.</summary>
    public const string AgentMetricsListenAddress = "WRENN_AGENT_METRICS_LISTEN_ADDR";

    /// <summary>Loopback by default, beside the control plane's (both run on one machine under `wrenn up`).</summary>
    public const string DefaultAgentMetricsListenAddress = "127.0.0.1:9465";

    /// <summary>OpenTelemetry's own variable: traces are exported over OTLP only when it is set.</summary>
    public const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
}
