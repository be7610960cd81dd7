using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Wrenn.Telemetry;

/// <summary>
/// Serves Prometheus <c>/metrics</c> on a listener of its own (<see cref="TelemetryOptions.MetricsListen"/>),
/// apart from the API and the agent's gRPC port: it has no authentication, so by default it listens on
/// loopback only, and the agent's gRPC port speaks HTTP/2 alone where scrapers speak HTTP/1.1.
/// A port that is taken is logged and the process runs on without metrics: they are not worth refusing service.
/// </summary>
internal sealed class MetricsEndpoint(TelemetryOptions options, MeterProvider meterProvider, ILogger<MetricsEndpoint> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var listen = options.MetricsListen!;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(listen.ToKestrelUrl("http"));
        var app = builder.Build();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider, context => context.Request.Path == "/metrics", null, null, null);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            _app = app;
            logger.MetricsServing(listen.ToLocalUrl(), options.MetricsVariable);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            logger.MetricsCannotListen(listen, ex.Message, options.MetricsVariable);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
    }
}
