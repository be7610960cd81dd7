using Wrenn.Envd;
using Wrenn.Envd.Filesystem;
using Wrenn.Envd.Hosting;
using Wrenn.Envd.Http;
using Wrenn.Envd.Process;

// As E2B's `envd -version`: the E2B envd version alone, which is what template tooling reads.
if (args is ["--version"] or ["-version"])
{
    Console.WriteLine(EnvdVersion.Current);
    return 0;
}

if (args is ["--build-version"])
{
    Console.WriteLine(EnvdVersion.Build);
    return 0;
}

using var loggers = new LineLoggerFactory(new LineLoggerProvider(Console.Out));

EnvdOptions options;
EnvdServices services;
Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel;
try
{
    options = EnvdOptions.FromArguments(args);
    services = new EnvdServices(options, loggers);
    kestrel = EnvdHost.ServerOptions(options, services);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine("envd: " + ex.Message);
    return 2;
}

// No web host, DI container or routing: envd's start time is every sandbox's start time, and its
// endpoints are a fixed set of literal paths (docs/envd.md, "Start and memory").
using (services)
{
    var routes = new RouteTable();
    HealthEndpoint.Map(routes);
    ControlEndpoints.Map(routes, services);
    FilesEndpoints.Map(routes, services);
    ComposeEndpoint.Map(routes, services);
    ProcessService.Map(routes, services);
    FilesystemService.Map(routes, services);
    // Every thread envd will need, started while the sandbox's process limit still has room.
    var logger = loggers.CreateLogger("envd");
    var threads = new ThreadReserve(services.Reaper, Environment.ProcessorCount, logger);
    var forwarder = new Wrenn.Envd.Ports.LocalPortForwarder(services.Options, new Logger<Wrenn.Envd.Ports.LocalPortForwarder>(loggers));
    BackgroundService[] background;
    if (options.OwnsClock)
    {
        // A VM (its clock is its own). Its first answer may be when the agent snapshots it for every later
        // sandbox of its kind, and what envd would do after that answer (the first /init's set-up, the trim a
        // second on) each of those sandboxes would do again on a cold emulated CPU: 100–300 ms of a create
        // under software emulation. Done before it listens, both are in the snapshot.
        ControlEndpoints.WarmUp();
        StartupMemoryTrim.Collect();
        background = [forwarder];
    }
    else
    {
        background = [forwarder, new StartupMemoryTrim(services.Options)];
    }

    EnvdHost.Run(kestrel, routes, services, threads, background, () =>
        logger.Listening(EnvdVersion.Current, EnvdVersion.Build, options.ListenDescriptor is { } fd ? $"the passed socket (fd {fd})" : options.ListenUrl));
}

return 0;
