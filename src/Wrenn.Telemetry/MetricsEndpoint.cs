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
internal sealed partial class MetricsEndpoint(TelemetryOptions options, MeterProvider meterProvider, ILogger<MetricsEndpoint> logger) : IHostedService, IAsyncDisposable
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
            LogServing(logger, listen.ToLocalUrl(), options.MetricsVariable);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            LogCannotListen(logger, listen, ex.Message, options.MetricsVariable);
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

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Prometheus metrics on {Url}/metrics ({Variable})")]
    private static partial void LogServing(ILogger logger, string url, string variable);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "No /metrics: cannot listen on {Listen} ({Reason}); set {Variable} to a free address or off")]
    private static partial void LogCannotListen(ILogger logger, Wrenn.Common.Configuration.ListenAddress listen, string reason, string variable);
}
