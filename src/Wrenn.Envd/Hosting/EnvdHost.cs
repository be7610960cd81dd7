using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Wrenn.Envd.Hosting;

/// <summary>
/// Runs envd: Kestrel serving <see cref="EnvdApplication"/> and envd's background services until
/// SIGTERM, SIGINT or SIGQUIT, then kills the processes envd started and stops, as the generic host
/// did, without the host's services, configuration and options (envd's start time is every sandbox's).
/// </summary>
public static class EnvdHost
{
    /// <summary>How long calls still running at shutdown may take to finish (the generic host's default).</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Kestrel's settings for envd, bound to where <paramref name="options"/> says to listen.</summary>
    /// <exception cref="ArgumentException">The listen address is not one envd can bind.</exception>
    public static KestrelServerOptions ServerOptions(EnvdOptions options, IServiceProvider services)
    {
        var kestrel = new KestrelServerOptions { ApplicationServices = services, AddServerHeader = false };

        // Uploads stream to disk, so no body limit is needed to protect memory.
        kestrel.Limits.MaxRequestBodySize = null;
        ListenAddress.Apply(kestrel, options);
        return kestrel;
    }

    public static async Task RunAsync(KestrelServerOptions kestrel, RouteTable routes, EnvdServices services, IReadOnlyList<BackgroundService> background, Action started)
    {
        using var stopping = new CancellationTokenSource();
        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stopping.Cancel();
        }

        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Stop);

        var transport = new SocketTransportFactory(Microsoft.Extensions.Options.Options.Create(new SocketTransportOptions()), services.Loggers);
        using var server = new KestrelServer(Microsoft.Extensions.Options.Options.Create(kestrel), transport, services.Loggers);
        await server.StartAsync(new EnvdApplication(routes, services), CancellationToken.None).ConfigureAwait(false);
        foreach (var service in background)
        {
            await service.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }

        started();
        try
        {
            await Task.Delay(Timeout.Infinite, stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        // Processes first: their output streams are calls Kestrel would otherwise wait for.
        services.KillProcesses();
        using var grace = new CancellationTokenSource(ShutdownTimeout);
        await server.StopAsync(grace.Token).ConfigureAwait(false);
        foreach (var service in background)
        {
            await service.StopAsync(grace.Token).ConfigureAwait(false);
            service.Dispose();
        }
    }
}
