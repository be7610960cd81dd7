using Wrenn.Common.Configuration;

namespace Wrenn.Telemetry;

/// <summary>What one process exports: log format, where `/metrics` is served, whether traces go out over OTLP.</summary>
public sealed record TelemetryOptions
{
    /// <summary>The OpenTelemetry service.name (wrenn-cp, wrenn-agent).</summary>
    public required string ServiceName { get; init; }

    /// <summary>One JSON object per log line instead of the text console format.</summary>
    public bool JsonLogs { get; init; }

    /// <summary>Where the Prometheus scrape endpoint listens; null when turned off.</summary>
    public ListenAddress? MetricsListen { get; init; }

    /// <summary>The variable <see cref="MetricsListen"/> came from, for messages.</summary>
    public string MetricsVariable { get; init; } = "";

    /// <summary>Export traces (OTLP); only when <see cref="TelemetryEnvironment.OtlpEndpoint"/> is set.</summary>
    public bool Tracing { get; init; }

    /// <summary>Where traces go when set; null leaves it to the exporter's own OTEL_EXPORTER_OTLP_* variables (in-process tests set it).</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>
    /// Reads the settings from the environment.
    /// </summary>
    /// <exception cref="ArgumentException">A value is not allowed; the message names the variable and what is.</exception>
    public static TelemetryOptions FromEnvironment(string serviceName, string metricsVariable, string metricsDefault, Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var format = read(TelemetryEnvironment.LogFormat);
        var json = format switch
        {
            null or "" or "text" => false,
            "json" => true,
            _ => throw new ArgumentException($"{TelemetryEnvironment.LogFormat} must be text or json, not '{format}'"),
        };

        var listen = read(metricsVariable) is { Length: > 0 } set ? set : metricsDefault;
        ListenAddress? metrics = null;
        if (!string.Equals(listen, "off", StringComparison.Ordinal) && !ListenAddress.TryParse(listen, out metrics))
        {
            throw new ArgumentException($"{metricsVariable} must be HOST:PORT, :PORT or off, not '{listen}'");
        }

        return new TelemetryOptions
        {
            ServiceName = serviceName,
            JsonLogs = json,
            MetricsListen = metrics,
            MetricsVariable = metricsVariable,
            Tracing = read(TelemetryEnvironment.OtlpEndpoint) is { Length: > 0 },
        };
    }
}
