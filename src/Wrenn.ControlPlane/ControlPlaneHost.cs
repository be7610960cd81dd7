using Microsoft.AspNetCore.Identity;
using Wrenn.Common.Configuration;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Bootstrap;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.E2b;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Proxy;
using Wrenn.ControlPlane.Sandboxes;
using Wrenn.ControlPlane.Scheduling;
using Wrenn.ControlPlane.Web;

namespace Wrenn.ControlPlane;

/// <summary>Builds and runs the control plane's web host.</summary>
public static class ControlPlaneHost
{
    /// <param name="logging">Extra log providers (tests read the log through one).</param>
    /// <param name="telemetry">Metrics, traces and log format; null reads them from the environment (tests give their own).</param>
    /// <param name="started">
    /// Called once the host has started: every hosted service (the first administrator's credentials
    /// written) and the listeners. Tests wait for it rather than for a port to answer, which another
    /// process may have taken meanwhile.
    /// </param>
    /// <param name="replaceServices">
    /// Applied after the control plane's own registrations: tests lower the password hash's work factor
    /// through it (hundreds of control planes start and log in during a test run, at ~150 ms of CPU per hash).
    /// </param>
    public static async Task<int> RunAsync(ControlPlaneOptions options, CancellationToken cancellationToken, Action<ILoggingBuilder>? logging = null, Wrenn.Telemetry.TelemetryOptions? telemetry = null, Action? started = null, Action<IServiceCollection>? replaceServices = null)
    {
        if (!ListenAddress.TryParse(options.ListenAddress, out var listen))
        {
            await Console.Error.WriteLineAsync($"wrenn-cp: '{options.ListenAddress}' is not a listen address (use :PORT or HOST:PORT)").ConfigureAwait(false);
            return 1;
        }

        System.Security.Cryptography.X509Certificates.X509Certificate2? certificate;
        Microsoft.AspNetCore.Builder.ForwardedHeadersOptions? forwarded;
        System.Security.Cryptography.X509Certificates.X509Certificate2? proxyCertificate;
        try
        {
            certificate = ServerTls.Load(options);
            forwarded = ForwardedHeadersSetup.Options(options.TrustedProxies);
            proxyCertificate = options.Proxy.Validate(listen);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync("wrenn-cp: " + ex.Message).ConfigureAwait(false);
            return 1;
        }

        try
        {
            telemetry ??= Wrenn.Telemetry.TelemetryOptions.FromEnvironment("wrenn-cp", Wrenn.Telemetry.TelemetryEnvironment.ControlPlaneMetricsListenAddress, Wrenn.Telemetry.TelemetryEnvironment.DefaultControlPlaneMetricsListenAddress);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync("wrenn-cp: " + ex.Message).ConfigureAwait(false);
            return 1;
        }

        var builder = WebApplication.CreateSlimBuilder();
        var proxyListen = options.Proxy.Enabled ? ListenAddress.Parse(options.Proxy.ListenAddress!) : null;
        if (proxyListen is null)
        {
            builder.WebHost.UseUrls(listen.ToKestrelUrl(certificate is null ? "http" : "https"));
            if (certificate is not null)
            {
                builder.WebHost.UseKestrelHttpsConfiguration();
                builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate));
            }
        }
        else
        {
            // Two listeners, each with its own certificate: the API's, and the proxy's wildcard one.
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                Proxy.SandboxProxySetup.Listen(kestrel, listen, certificate);
                Proxy.SandboxProxySetup.Listen(kestrel, proxyListen, proxyCertificate);
            });
        }

        // Framework chatter (every request, every SQL command) at warning and above; ours at information.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        Wrenn.Telemetry.TelemetrySetup.AddWrennTelemetry(builder, telemetry, [Telemetry.ControlPlaneMetrics.MeterName], []);
        logging?.Invoke(builder.Logging);
        try
        {
            ConfigureServices(builder.Services, options);
            replaceServices?.Invoke(builder.Services);
        }
        catch (Exception ex) when (ex is NotSupportedException or FormatException or ArgumentException)
        {
            await Console.Error.WriteLineAsync("wrenn-cp: " + ex.Message).ConfigureAwait(false);
            return 1;
        }

        var app = builder.Build();
        await DatabaseSetup.MigrateAsync(app.Services, cancellationToken).ConfigureAwait(false);
        await LoadSigningKeysAsync(app.Services, cancellationToken).ConfigureAwait(false);

        // Outermost: whatever fails below (authentication's key lookup included) while the database is
        // down answers 503 in the envelope, never an empty 500 or a hang.
        app.UseMiddleware<Telemetry.RequestStepsMiddleware>();
        app.UseMiddleware<ApiFaultMiddleware>();
        if (proxyListen is not null)
        {
            // First: the proxy's port never reaches the API's middleware or routes.
            app.UseSandboxProxy(proxyListen);
            app.Logger.ProxyListening(proxyListen.ToString(), proxyCertificate is null ? "http" : "https", options.Proxy.Domain, options.Proxy.Upstream);
        }

        if (forwarded is not null)
        {
            app.UseForwardedHeaders(forwarded);
        }

        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(Telemetry.RequestStepsMiddleware.MarkAuthenticated);
        app.UseRateLimiter();
        app.UseMiddleware<Telemetry.SandboxLogScopeMiddleware>();
        app.UseWrennApiDocs();
        MapRoutes(app);
        app.MapE2bApi();
        Dashboard.DashboardEndpoints.MapDashboard(app);
        app.Logger.Listening(listen.ToString(), certificate is null ? "http" : "https", options.WrennDir);
        if (started is not null)
        {
            app.Lifetime.ApplicationStarted.Register(started);
        }

        await app.RunAsync(cancellationToken).ConfigureAwait(false);
        return 0;
    }

    /// <summary>Applies the database's pending migrations and reports which; 0 on success, 1 on a configuration error.</summary>
    public static async Task<int> MigrateOnlyAsync(ControlPlaneOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        try
        {
            services.AddWrennDatabase(options);
        }
        catch (Exception ex) when (ex is NotSupportedException or FormatException or ArgumentException)
        {
            await Console.Error.WriteLineAsync("wrenn-cp: " + ex.Message).ConfigureAwait(false);
            return 1;
        }

        await using var provider = services.BuildServiceProvider();
        var applied = await DatabaseSetup.MigrateAsync(provider, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync(applied.Count == 0
            ? $"database {DatabaseSetup.Describe(options)} is up to date"
            : $"database {DatabaseSetup.Describe(options)}: applied {string.Join(", ", applied)}").ConfigureAwait(false);
        return 0;
    }

    /// <summary>Every route the API serves; docs/openapi.yaml must describe exactly these (a test diffs them).</summary>
    public static void MapRoutes(IEndpointRouteBuilder app)
    {
        app.MapHealthApi();
        app.MapDocsApi();
        app.MapAuthApi();
        app.MapTeamsApi();
        app.MapApiKeysApi();
        app.MapHostsApi();
        app.MapSandboxesApi();
        app.MapSandboxExecApi();
        app.MapSandboxFilesApi();
        app.MapSnapshotsApi();
        app.MapAuditApi();
        app.MapQuotasApi();
        app.MapInvitesApi();
    }

    private static async Task LoadSigningKeysAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        await services.GetRequiredService<SigningKeys>()
            .LoadAsync(scope.ServiceProvider.GetRequiredService<WrennDbContext>(), services.GetRequiredService<TimeProvider>(), cancellationToken)
            .ConfigureAwait(false);
    }

    public static void ConfigureServices(IServiceCollection services, ControlPlaneOptions options)
    {
        options.Validate();
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        services.AddSingleton(TimeProvider.System);
        services.AddWrennDatabase(options);
        services.AddSingleton<IPasswordHasher<UserEntity>, PasswordHasher<UserEntity>>();
        services.AddMetrics();
        services.AddSingleton<Telemetry.ControlPlaneMetrics>();
        services.AddSingleton<Telemetry.AgentCallTelemetryInterceptor>();
        services.AddScoped<Telemetry.RequestSteps>();
        services.AddSingleton<AgentClientPool>();
        services.AddSingleton<HostLiveness>();
        services.AddHostedService<AdminBootstrapper>();
        services.AddHostedService<Reconciliation.Reconciler>();
        services.AddHostedService<Sandboxes.TemplateCopyEvictor>();
        services.AddScheduling(options);
        services.AddSandboxService();
        services.AddScoped<AdminOnlyFilter>();
        services.AddSingleton<Dashboard.DashboardAssets>();
        services.AddSingleton<Audit.IAuditLog, Audit.DatabaseAuditLog>();
        services.AddScoped<Quotas.TeamQuotas>();
        services.AddScoped<Accounts.Invites>();
        services.AddWrennAuthentication();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ControlPlaneJsonContext.Default));

        services.AddSandboxProxy(options.Proxy);
    }
}
