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

    /// <summary>How long after the start the background services wait for the first request at most.</summary>
    private static readonly TimeSpan BackgroundStartLimit = TimeSpan.FromSeconds(1);

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

    /// <summary>
    /// Serves until a stop signal; runs on the main thread, which waits on it (no thread-pool thread is
    /// held: a 1-vCPU sandbox's pool has one). envd's threads (<see cref="ThreadReserve"/>) and then the
    /// background services start once the first request has been answered, or after
    /// <see cref="BackgroundStartLimit"/> without one, so that their first work (a port scan, the .NET timer
    /// thread, starting threads) does not compete with the sandbox's first call.
    /// </summary>
    public static void Run(KestrelServerOptions kestrel, RouteTable routes, EnvdServices services, ThreadReserve threads, IReadOnlyList<BackgroundService> background, Action started)
    {
        using var stopping = new ManualResetEventSlim();
        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stopping.Set();
        }

        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Stop);

        var transport = new SocketTransportFactory(Microsoft.Extensions.Options.Options.Create(new SocketTransportOptions()), services.Loggers);
        using var server = new KestrelServer(Microsoft.Extensions.Options.Options.Create(kestrel), transport, services.Loggers);
        var application = new EnvdApplication(routes, services);
        server.StartAsync(application, CancellationToken.None).GetAwaiter().GetResult();
        started();

        // A timed wait on a task blocks on the thread's own event: no timer (and no timer thread) yet.
        application.FirstAnswered.Wait(BackgroundStartLimit);
        threads.Start();
        foreach (var service in background)
        {
            service.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        stopping.Wait();

        // Processes first: their output streams are calls Kestrel would otherwise wait for.
        services.KillProcesses();
        using var grace = new CancellationTokenSource(ShutdownTimeout);
        server.StopAsync(grace.Token).GetAwaiter().GetResult();
        foreach (var service in background)
        {
            service.StopAsync(grace.Token).GetAwaiter().GetResult();
            service.Dispose();
        }
    }
}
