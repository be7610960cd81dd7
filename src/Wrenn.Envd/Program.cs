using Wrenn.Envd;
using Wrenn.Envd.Filesystem;
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

EnvdOptions options;
try
{
    options = EnvdOptions.FromArguments(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    await Console.Error.WriteLineAsync("envd: " + ex.Message).ConfigureAwait(false);
    return 2;
}

// The empty builder skips configuration files and the default service set: envd's start time is
// every sandbox's start time.
var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [] });
builder.WebHost.UseKestrelCore();
builder.Services.AddRoutingCore();
if (options.ListenDescriptor is null)
{
    builder.WebHost.UseUrls(options.ListenUrl);
}

builder.WebHost.ConfigureKestrel(kestrel =>
{
    if (options.ListenDescriptor is { } descriptor)
    {
        kestrel.ListenHandle((ulong)descriptor);
    }

    // Uploads stream to disk, so no body limit is needed to protect memory.
    kestrel.Limits.MaxRequestBodySize = null;
    kestrel.AddServerHeader = false;
});
builder.Logging.AddProvider(new Wrenn.Envd.Hosting.LineLoggerProvider(Console.Out));
builder.Logging.SetMinimumLevel(LogLevel.Information);

// ASP.NET Core's and the host's information lines (two per request, four at the start) cost time and fill
// the sandbox's console; envd logs its own start.
builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
builder.Services.AddCors();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<EnvdState>();
builder.Services.AddSingleton<CpuSampler>();
builder.Services.AddSingleton<UserResolver>();
builder.Services.AddSingleton<ProcessLauncher>();
builder.Services.AddSingleton<ProcessTable>();
builder.Services.AddSingleton<ProcessService>();
builder.Services.AddSingleton<DirectoryWatchers>();
builder.Services.AddSingleton<FilesystemService>();
builder.Services.AddHostedService<Wrenn.Envd.Ports.LocalPortForwarder>();
builder.Services.AddHostedService<Wrenn.Envd.Hosting.StartupMemoryTrim>();

var app = builder.Build();
// Browser clients (E2B's JS SDK in a page) call envd directly; it answers any origin, as E2B's does.
app.UseCors(cors => cors.AllowAnyOrigin().AllowAnyHeader().WithMethods("HEAD", "GET", "POST", "PUT", "PATCH", "DELETE").SetPreflightMaxAge(TimeSpan.FromHours(2)));
app.UseMiddleware<AccessTokenMiddleware>();
HealthEndpoint.Map(app);
ControlEndpoints.Map(app);
FilesEndpoints.Map(app);
ComposeEndpoint.Map(app);
ProcessService.Map(app);
FilesystemService.Map(app);
app.Lifetime.ApplicationStopping.Register(() => app.Services.GetRequiredService<ProcessTable>().KillAll());
app.Logger.LogInformation("envd {Version} (Wrenn build {Build}) listening on {Url}", EnvdVersion.Current, EnvdVersion.Build, options.ListenDescriptor is { } fd ? $"the passed socket (fd {fd})" : options.ListenUrl);
await app.RunAsync().ConfigureAwait(false);
return 0;
