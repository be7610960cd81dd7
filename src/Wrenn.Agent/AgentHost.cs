using Microsoft.AspNetCore.Server.Kestrel.Core;
using Wrenn.Agent.Envd;
using Wrenn.Agent.Network;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Agent.Registration;
using Wrenn.Agent.Rpc;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Runtimes.Container;
using Wrenn.Agent.Sandboxes;
using Wrenn.Agent.Storage;
using Wrenn.Common.Configuration;

namespace Wrenn.Agent;

/// <summary>Builds and runs the agent's web host: checks, services, gRPC endpoint.</summary>
public static class AgentHost
{
    /// <summary>Runs until stopped; returns the process exit code.</summary>
    public static async Task<int> RunAsync(AgentOptions options, CancellationToken cancellationToken)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            await Console.Error.WriteLineAsync("wrenn-agent: must run as root (it creates network namespaces, mounts and containers); run it with sudo").ConfigureAwait(false);
            return 1;
        }

        if (!ListenAddress.TryParse(options.ListenAddress, out var listen))
        {
            await Console.Error.WriteLineAsync($"wrenn-agent: '{options.ListenAddress}' is not a listen address (use :PORT or HOST:PORT)").ConfigureAwait(false);
            return 1;
        }

        // A runtime that cannot run refuses here, in one sentence naming what to install, not with a 500 on the first create.
        if (Runtimes.RuntimeSelector.WhatIsMissing(options.Runtime, options.WrennDir) is { } missing)
        {
            await Console.Error.WriteLineAsync("wrenn-agent: " + missing).ConfigureAwait(false);
            return 1;
        }

        HostCredentials credentials;
        try
        {
            credentials = await ObtainCredentialsAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or UriFormatException)
        {
            await Console.Error.WriteLineAsync("wrenn-agent: " + ex.Message).ConfigureAwait(false);
            return 1;
        }

        AgentTlsMaterial? tls;
        try
        {
            tls = AgentTls.Load(options);
        }
        catch (InvalidOperationException ex)
        {
            await Console.Error.WriteLineAsync("wrenn-agent: " + ex.Message).ConfigureAwait(false);
            return 1;
        }

        Wrenn.Telemetry.TelemetryOptions telemetry;
        try
        {
            telemetry = Wrenn.Telemetry.TelemetryOptions.FromEnvironment("wrenn-agent", Wrenn.Telemetry.TelemetryEnvironment.AgentMetricsListenAddress, Wrenn.Telemetry.TelemetryEnvironment.DefaultAgentMetricsListenAddress);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync("wrenn-agent: " + ex.Message).ConfigureAwait(false);
            return 1;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2);
            if (tls is not null)
            {
                kestrel.ConfigureHttpsDefaults(https => AgentTls.Apply(https, tls));
            }
        });
        builder.WebHost.UseUrls(listen.ToKestrelUrl(tls is null ? "http" : "https"));
        QuietFrameworkLogs(builder.Logging);
        Wrenn.Telemetry.TelemetrySetup.AddWrennTelemetry(builder, telemetry, [Telemetry.AgentMetrics.MeterName], [Telemetry.AgentActivities.SourceName]);
        ConfigureServices(builder.Services, options);
        builder.Services.AddSingleton(credentials);
        builder.Services.AddSingleton<IHeartbeatSource, SandboxHeartbeatSource>();
        builder.Services.AddHostedService<HeartbeatService>();

        var app = builder.Build();
        IRuntime runtime;
        try
        {
            runtime = app.Services.GetRequiredService<IRuntime>();
            _ = app.Services.GetRequiredService<Telemetry.AgentMetrics>();

            // Network settings are read here, so a bad egress allow list stops the agent now and not at the first create.
            _ = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<NetworkOptions>>().Value;
            _ = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Pool.WarmPoolOptions>>().Value;
            Configuration.RuntimeEnvironmentSettings.ValidateNow(app.Services);
        }
        catch (Exception ex) when (ex is NotSupportedException or ArgumentException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync("wrenn-agent: " + ex.Message).ConfigureAwait(false);
            return 1;
        }

        foreach (var opened in SandboxRootAccess.CloseStateDirectory(options, runtime.Capabilities.UserNamespace))
        {
            app.Logger.ClosedOpenPath(opened);
        }

        app.MapGrpcService<HostAgentService>();
        app.Logger.Listening(credentials.HostId, listen, tls is null ? "plaintext" : "mutual TLS", runtime.Name, options.WrennDir);
        if (tls is null && !AgentTls.IsLoopback(listen))
        {
            app.Logger.PlaintextGrpcReachable(
                listen,
                WrennEnvironment.AgentTlsCertificate,
                WrennEnvironment.AgentTlsKey,
                WrennEnvironment.AgentTlsClientCa);
        }

        await app.RunAsync(cancellationToken).ConfigureAwait(false);
        return 0;
    }

    /// <summary>Registers with a token when given one; otherwise reads what an earlier registration stored.</summary>
    private static async Task<HostCredentials> ObtainCredentialsAsync(AgentOptions options, CancellationToken cancellationToken)
    {
        if (options.RegistrationToken is not { Length: > 0 } token)
        {
            var stored = HostCredentials.Read(options.WrennDir)
                ?? throw new InvalidOperationException(
                    $"not registered ({HostCredentials.PathIn(options.WrennDir)} is missing); run: wrenn-agent --register <token from POST /v1/hosts> --address <host:port> --cp-url <control plane URL>");

            // The control plane may have moved since registering: what we are told now wins, and is kept
            // for the next start. This agent's own address is the registration's: only a new one moves it.
            if (options.AdvertiseAddress is { Length: > 0 } moved && moved != stored.Address)
            {
                await Console.Error.WriteLineAsync(
                    $"wrenn-agent: registered at {stored.Address}; --address {moved} takes effect only with a new registration (POST /v1/hosts/{stored.HostId}/token, then --register)").ConfigureAwait(false);
            }

            var current = stored with
            {
                ControlPlaneUrl = options.ControlPlaneUrl is { Length: > 0 } movedCp ? movedCp : stored.ControlPlaneUrl,
            };
            if (current != stored)
            {
                current.Write(options.WrennDir);
            }

            return current;
        }

        if (options.ControlPlaneUrl is not { Length: > 0 } cpUrl || options.AdvertiseAddress is not { Length: > 0 } address)
        {
            throw new InvalidOperationException("--register needs --address <host:port> (where the control plane reaches this agent) and --cp-url (or $WRENN_CP_URL)");
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var loggers = LoggerFactory.Create(logging => logging.AddSimpleConsole());
        var client = new ControlPlaneClient(http, loggers.CreateLogger<ControlPlaneClient>());
        var specs = new HostInfoProvider().Specs(RuntimeSelector.Describe(options.Runtime), options.WrennDir);
        var registered = await client.RegisterAsync(new Uri(cpUrl), new RegisterRequestMessage(token, address, specs), cancellationToken).ConfigureAwait(false);
        var credentials = new HostCredentials(registered.HostId, registered.HostToken, registered.AgentSecret, cpUrl, address);
        credentials.Write(options.WrennDir);
        return credentials;
    }

    /// <summary>Framework chatter (every request, every gRPC call) at warning and above; the agent's own logs stay at information.</summary>
    /// <summary>WRENN_SANDBOX_USERNS: "auto"/"on", "off", or the host id sandbox root maps to.</summary>
    private static void ConfigureUserNamespace(ContainerRuntimeOptions container, string value)
    {
        switch (value.ToLowerInvariant())
        {
            case "auto" or "on" or "1" or "true":
                container.UserNamespace = true;
                return;
            case "off" or "0" or "false":
                container.UserNamespace = false;
                return;
        }

        // Below 65536 sandbox ids would land on the host's own users and groups.
        container.UserNamespaceHostId = long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var hostId)
            && hostId >= 65_536 && hostId + container.UserNamespaceSize <= uint.MaxValue
                ? hostId
                : throw new InvalidOperationException($"{WrennEnvironment.SandboxUserNamespace} must be auto, off, or a host id of at least 65536, not '{value}'");
        container.UserNamespace = true;
    }

    /// <summary>A whole number of at least 1 from <paramref name="variable"/>, or <paramref name="fallback"/> when it is unset.</summary>
    private static int PositiveFromEnvironment(string variable, int fallback) =>
        WrennEnvironment.Get(variable) is not { } value
            ? fallback
            : int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number >= 1
                ? number
                : throw new InvalidOperationException($"{variable} must be a whole number of at least 1, not '{value}'");

    private static void QuietFrameworkLogs(ILoggingBuilder logging)
    {
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Grpc", LogLevel.Warning);
        logging.AddFilter("System.Net.Http", LogLevel.Warning);
    }

    /// <summary>Reads a count of things kept made ahead (default 2, 0 = none, at most 64).</summary>
    private static int PreparedCount(string variable) =>
        WrennEnvironment.Get(variable) is not { } value ? 2
        : int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) && count <= 64 ? count
        : throw new InvalidOperationException($"{variable} must be a whole number from 0 to 64, not '{value}'");

    /// <summary>lxcfs and cpusets for container sandboxes (WRENN_LXCFS). Registered before the sandboxes' lifecycle so it stops after it.</summary>
    private static void AddSandboxView(IServiceCollection services)
    {
        services.AddOptions<Runtimes.ProcView.LxcfsOptions>().Configure(lxcfs =>
        {
            switch (WrennEnvironment.Get(WrennEnvironment.Lxcfs))
            {
                case null or "auto":
                    break;
                case "off":
                    lxcfs.Enabled = false;
                    break;
                case { } path when Path.IsPathFullyQualified(path):
                    lxcfs.MountPoint = path;
                    lxcfs.External = true;
                    break;
                case { } other:
                    throw new InvalidOperationException($"{WrennEnvironment.Lxcfs} must be auto, off, or the absolute path of an lxcfs mount, not '{other}'");
            }
        });
        services.AddSingleton<Runtimes.ProcView.LxcfsMount>();
        services.AddSingleton<Runtimes.ProcView.ILxcfsMount>(sp => sp.GetRequiredService<Runtimes.ProcView.LxcfsMount>());
        services.AddHostedService(sp => sp.GetRequiredService<Runtimes.ProcView.LxcfsMount>());
        services.AddSingleton<Runtimes.ProcView.ICpuSetAllocator, Runtimes.ProcView.CpuSetAllocator>();
        services.AddSingleton<Runtimes.ProcView.ISandboxViewProvider, Runtimes.ProcView.SandboxViewProvider>();
    }

    /// <summary>The agent's services; tests build a provider from this with their own seams replaced.</summary>
    public static void ConfigureServices(IServiceCollection services, AgentOptions options)
    {
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        services.AddOptions<NetworkOptions>().Configure(network =>
        {
            if (WrennEnvironment.Get(WrennEnvironment.SandboxNameservers) is { } nameservers)
            {
                network.Nameservers = nameservers;
            }

            if (WrennEnvironment.Get(WrennEnvironment.SandboxEgressAllow) is { } egressAllow)
            {
                network.EgressAllow = NetworkOptions.ParseEgressAllow(egressAllow);
            }

            network.PreparedSlots = PreparedCount(WrennEnvironment.PreparedSlots);
            network.PreparedDirectory = options.Layout.PreparedSlots;
        });
        Configuration.HostSharingSettings.AddHostSharingSettings(services, SettingReader.Environment);
        services.AddOptions<SandboxDiskOptions>().Configure(disk =>
        {
            if (WrennEnvironment.Get(WrennEnvironment.SandboxDiskMb) is { } megabytes)
            {
                disk.SizeMb = long.TryParse(megabytes, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size)
                    ? size
                    : throw new InvalidOperationException($"{WrennEnvironment.SandboxDiskMb} must be a whole number of MiB (0 = no cap), not '{megabytes}'");
            }

            disk.Prepared = PreparedCount(WrennEnvironment.PreparedDisks);
            if (WrennEnvironment.Get(WrennEnvironment.HostDiskReserveMb) is { } reserve)
            {
                disk.HostReserveMb = long.TryParse(reserve, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var reserveMb)
                    ? reserveMb
                    : throw new InvalidOperationException($"{WrennEnvironment.HostDiskReserveMb} must be a whole number of MiB (0 = none), not '{reserve}'");
            }
        });
        services.AddOptions<ContainerRuntimeOptions>().Configure(container =>
        {
            if (WrennEnvironment.Get(WrennEnvironment.OciRuntime) is { } ociRuntime)
            {
                container.OciRuntime = ociRuntime;
            }

            if (WrennEnvironment.Get(WrennEnvironment.SandboxUserNamespace) is { } userNamespace)
            {
                ConfigureUserNamespace(container, userNamespace);
            }

            if (WrennEnvironment.Get(WrennEnvironment.SandboxPidsLimit) is { } pids)
            {
                container.PidsLimit = long.TryParse(pids, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit) && limit >= 64
                    ? limit
                    : throw new InvalidOperationException($"{WrennEnvironment.SandboxPidsLimit} must be a whole number of at least 64, not '{pids}'");
            }
        });
        services.AddOptions<SandboxManagerOptions>();
        services.AddOptions<Pool.WarmPoolOptions>().Configure(pool =>
        {
            try
            {
                pool.Targets = Pool.WarmPoolOptions.Parse(WrennEnvironment.Get(WrennEnvironment.WarmPool));
            }
            catch (FormatException ex)
            {
                throw new InvalidOperationException($"{WrennEnvironment.WarmPool}: {ex.Message}", ex);
            }
        });
        services.AddOptions<SandboxCallLimitOptions>().Configure(limits =>
        {
            limits.MaxCallsPerHost = PositiveFromEnvironment(WrennEnvironment.AgentMaxCalls, limits.MaxCallsPerHost);
            limits.MaxCallsPerTeam = PositiveFromEnvironment(WrennEnvironment.AgentMaxCallsPerTeam, limits.MaxCallsPerTeam);
        });
        services.AddSingleton<SandboxCallLimiter>();
        services.AddOptions<Metrics.MetricsSamplerOptions>().Configure(metrics =>
            metrics.IntervalSeconds = PositiveFromEnvironment(WrennEnvironment.AgentMetricsInterval, metrics.IntervalSeconds));
        services.AddSingleton<Metrics.SandboxMetricsStore>();
        services.AddSingleton<Metrics.SandboxMetricsReader>();
        services.AddHostedService<Metrics.MetricsSampler>();
        services.AddSingleton<ICommandRunner, ProcessCommandRunner>();
        services.AddSingleton<IStepFaults, NoStepFaults>();
        services.AddSingleton<SandboxFirewall>();
        services.AddSingleton<Pool.CreatesInFlight>();
        services.AddSingleton<SandboxNetworkManager>();
        services.AddSingleton<NameserverResolver>();
        services.AddSingleton<ImageStore>();
        services.AddSingleton<TemplateStore>();
        services.AddSingleton<Transfers.TemplateTransfers>();
        services.AddSingleton<Transfers.SandboxTransfers>();
        services.AddSingleton<Storage.Ownership.IdShiftedLayers>();
        services.AddSingleton<PreparedConsoles>();
        services.AddSingleton<IPreparedDirectoryCompanion>(sp => sp.GetRequiredService<PreparedConsoles>());
        services.AddSingleton<SandboxDisk>();
        services.AddSingleton<IHostDiskSpace, HostDiskSpace>();
        services.AddSingleton<ISandboxDisk>(sp => sp.GetRequiredService<SandboxDisk>());
        services.AddSingleton<ISandboxNetwork>(sp => sp.GetRequiredService<SandboxNetworkManager>());
        services.AddSingleton<IContainerFreezer>(_ => new CgroupFreezer());
        AddSandboxView(services);
        services.AddSingleton<ContainerRuntime>();
        services.AddOptions<Runtimes.Qemu.QemuRuntimeOptions>().Configure(qemu =>
        {
            if (WrennEnvironment.Get(WrennEnvironment.QemuUser) is { } user)
            {
                qemu.User = user;
            }
        });
        services.AddSingleton<Runtimes.Vm.RootfsDiskImage>();
        services.AddSingleton<Runtimes.Vm.GuestTap>();
        services.AddSingleton<Runtimes.Qemu.TemplateMemory>();
        services.AddSingleton<Runtimes.Qemu.PreparedVmms>();
        services.AddSingleton<Runtimes.Qemu.QemuRuntime>();
        services.AddOptions<Runtimes.Firecracker.FirecrackerRuntimeOptions>();
        Configuration.RuntimeEnvironmentSettings.AddRuntimeEnvironmentSettings(services, SettingReader.Environment);
        services.AddOptions<Runtimes.Firecracker.Api.FirecrackerApiOptions>();
        services.AddOptions<Storage.Cow.RootfsCowOptions>();
        services.AddSingleton<Storage.DeviceMapper.DmsetupClient>();
        services.AddSingleton<Storage.DeviceMapper.LoopDeviceClient>();
        services.AddSingleton<Storage.DeviceMapper.OriginLoopRegistry>();
        services.AddSingleton<Storage.DeviceMapper.DeviceMapperRootfsCowProvider>();
        services.AddSingleton<Storage.Cow.FileCopyRootfsCowProvider>();
        services.AddSingleton<Storage.Cow.IRootfsCowProvider, Storage.Cow.RootfsCowSelector>();
        services.AddSingleton<Runtimes.Firecracker.IFirecrackerLauncher, Runtimes.Firecracker.NamespacedFirecrackerLauncher>();
        services.AddSingleton<Runtimes.Firecracker.IPageServerLauncher, Runtimes.Firecracker.AgentPageServerLauncher>();
        services.AddSingleton<Runtimes.Firecracker.FirecrackerRuntime>();
        services.AddSingleton<IRuntime>(sp => RuntimeSelector.Select(options.Runtime, sp, sp.GetRequiredService<ILoggerFactory>().CreateLogger(nameof(RuntimeSelector))));
        services.AddSingleton<SandboxRequestValidator>();
        services.AddSingleton<BaseVmSnapshots>();
        services.AddSingleton<ISandboxEnvd>(sp => sp.GetRequiredService<EnvdClient>());
        services.AddSingleton<SandboxTable>();
        services.AddSingleton<SandboxRecordStore>();
        services.AddSingleton<SandboxTeardown>();
        services.AddSingleton<SandboxThaw>();
        services.AddSingleton<GuestSetup>();
        services.AddSingleton<SandboxStarter>();
        services.AddSingleton<SandboxRecovery>();
        services.AddSingleton<SandboxTemplates>();
        services.AddSingleton<Pool.PooledEnvdWarmer>();
        services.AddSingleton<Pool.IPoolFiller, Pool.SandboxPoolFiller>();
        services.AddSingleton<Pool.PoolClaim>();
        services.AddSingleton<Pool.WarmPool>();
        services.AddSingleton<SandboxManager>();
        services.AddSingleton<SandboxCommands>();
        services.AddSingleton<SandboxFiles>();
        services.AddSingleton(TimeProvider.System);
        services.AddHostedService<InactivityReaper>();
        services.AddSingleton<HostInfoProvider>();
        services.AddSingleton<HostMetricsCollector>();
        services.AddSingleton<Rpc.SandboxPortTunnel>();
        services.AddSingleton<CallTokenReplayCache>();
        services.AddSingleton<CallTokenValidator>();
        services.AddHostedService<SandboxLifecycleService>();

        // After the lifecycle service: slots are prepared only once earlier runs' sandboxes hold theirs.
        services.AddHostedService<PreparedResourcesService>();

        // After the lifecycle service too: a copy that recovered sandboxes' overlays stack is kept, not removed as unused.
        services.AddHostedService<Storage.Ownership.LayerCopiesAhead>();

        // After the lifecycle service: the pool fills only once recovery has gone through what an earlier run left.
        services.AddHostedService(sp => sp.GetRequiredService<Pool.WarmPool>());

        // Its stop discards the VMs it prepared (none unless the runtime is QEMU).
        services.AddHostedService(sp => sp.GetRequiredService<Runtimes.Qemu.PreparedVmms>());
        services.AddHttpClient<ControlPlaneClient>(client => client.Timeout = TimeSpan.FromSeconds(30));
        services.AddOptions<EnvdClientOptions>();
        services.AddHttpClient<EnvdClient>(client =>
            {
                client.Timeout = Timeout.InfiniteTimeSpan;

                // A backstop for any answer read whole: EnvdClient reads its own bodies up to tighter caps.
                client.MaxResponseContentBufferSize = new EnvdClientOptions().MaxResponseBytes;
            })
            .ConfigurePrimaryHttpMessageHandler(EnvdHttpHandler.Create);
        services.AddMetrics();
        services.AddSingleton<Telemetry.AgentMetrics>();
        services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<Telemetry.AgentTelemetryInterceptor>();
            grpc.Interceptors.Add<CallTokenInterceptor>();
            grpc.Interceptors.Add<ExceptionStatusInterceptor>();
            grpc.MaxReceiveMessageSize = 64 * 1024 * 1024;
            grpc.MaxSendMessageSize = 128 * 1024 * 1024;
        });
    }
}
