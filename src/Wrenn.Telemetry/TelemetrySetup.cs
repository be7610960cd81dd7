using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Wrenn.Telemetry;

/// <summary>Wires one process's log output, metrics and traces from its <see cref="TelemetryOptions"/>.</summary>
public static class TelemetrySetup
{
    /// <param name="meters">The process's own meters (besides ASP.NET Core's and HttpClient's).</param>
    /// <param name="sources">The process's own activity sources (besides ASP.NET Core's and HttpClient's).</param>
    public static void AddWrennTelemetry(this WebApplicationBuilder builder, TelemetryOptions options, IReadOnlyList<string> meters, IReadOnlyList<string> sources)
    {
        if (options.JsonLogs)
        {
            UseJsonLogs(builder.Logging);
        }

        builder.Services.AddSingleton(options);
        var otel = builder.Services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService(options.ServiceName));
        if (options.MetricsListen is not null)
        {
            otel.WithMetrics(metrics => metrics
                .AddMeter([.. meters])
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddPrometheusExporter());
            builder.Services.AddHostedService<MetricsEndpoint>();
        }

        // Off unless asked for: a span per request and per step costs, and with nowhere to send them there is no reader.
        if (options.Tracing)
        {
            otel.WithTracing(tracing => tracing
                .AddSource([.. sources])
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddOtlpExporter(otlp =>
                {
                    if (options.OtlpEndpoint is { } endpoint)
                    {
                        otlp.Endpoint = endpoint;
                    }
                }));
        }
    }

    /// <summary>The console writes one JSON object per line, with scopes (sandbox id, trace and span ids) as properties.</summary>
    public static void UseJsonLogs(ILoggingBuilder logging)
    {
        logging.AddJsonConsole(json =>
        {
            json.IncludeScopes = true;
            json.UseUtcTimestamp = true;
            json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            json.JsonWriterOptions = new JsonWriterOptions { Indented = false };
        });
        logging.Configure(factory => factory.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
    }
}
