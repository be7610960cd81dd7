using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Sandboxes;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// The agent's real services (runc, ip, overlayfs, envd) on a temp $WRENN_DIR that borrows the cached
/// base image, with the failure-injection seam under the test's control. Needs root and `make image`.
/// </summary>
public sealed class AgentUnderTest : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public AgentUnderTest(IStepFaults faults, Action<IServiceCollection>? configure = null, string runtime = "container")
    {
        WrennDir = Directory.CreateTempSubdirectory("wrenn-agent-test-").FullName;
        var images = Environment.GetEnvironmentVariable("WRENN_TEST_IMAGES") is { Length: > 0 } configured ? configured : "/var/lib/wrenn/images";
        if (!File.Exists(Path.Combine(images, "minimal", "manifest.json")))
        {
            throw new InvalidOperationException($"no minimal image in {images}: run 'make image' (or 'make test')");
        }

        Directory.CreateSymbolicLink(Path.Combine(WrennDir, "images"), images);

        // Guest kernels for the VM runtimes (`wrenn image kernel` puts them beside the images).
        var kernels = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(images).TrimEnd('/'))!, "kernels");
        if (Directory.Exists(kernels))
        {
            Directory.CreateSymbolicLink(Path.Combine(WrennDir, "kernels"), kernels);
        }

        var services = new ServiceCollection();
        services.AddLogging();
        AgentHost.ConfigureServices(services, new AgentOptions { WrennDir = WrennDir, Runtime = runtime });
        services.Configure<Wrenn.Agent.Network.NetworkOptions>(network => network.Nameservers = "none");

        // The agent's own lxcfs mount is made at the first create and kept until the agent stops, so tests
        // that compare the host before and after a sandbox would count it: only the tests of it turn it on.
        services.Configure<Wrenn.Agent.Runtimes.ProcView.LxcfsOptions>(lxcfs => lxcfs.Enabled = false);
        services.Replace(ServiceDescriptor.Singleton(faults));
        configure?.Invoke(services);
        _services = services.BuildServiceProvider();
        Manager = _services.GetRequiredService<SandboxManager>();
        Runtime = _services.GetRequiredService<Wrenn.Agent.Runtimes.IRuntime>();
        Commands = _services.GetRequiredService<SandboxCommands>();
        Files = _services.GetRequiredService<SandboxFiles>();
        Reaper = _services.GetServices<IHostedService>().OfType<InactivityReaper>().Single();
    }

    public SandboxCommands Commands { get; }

    /// <summary>The agent's services (its hosted services are not started: tests start what they need).</summary>
    public IServiceProvider Services => _services;

    public SandboxFiles Files { get; }

    /// <summary>The TTL reaper, not started: tests call <see cref="InactivityReaper.ReapAsync"/> themselves.</summary>
    public InactivityReaper Reaper { get; }

    public string WrennDir { get; }

    public SandboxManager Manager { get; }

    public Wrenn.Agent.Runtimes.IRuntime Runtime { get; }

    /// <summary>Any of the agent's services (the warm pool, the envd client, …).</summary>
    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    /// <summary>The agent's gRPC service over these services, called directly (no server, no call token).</summary>
    public Agent.Rpc.HostAgentService Rpc => new(Manager, Commands, Files, _services.GetRequiredService<Agent.Rpc.HostInfoProvider>(), _services.GetRequiredService<Agent.Rpc.HostMetricsCollector>(), new Agent.Rpc.SandboxPortTunnel(Manager, Microsoft.Extensions.Logging.Abstractions.NullLogger<Agent.Rpc.SandboxPortTunnel>.Instance), _services.GetRequiredService<Agent.Metrics.SandboxMetricsReader>(), _services.GetRequiredService<Agent.Metrics.SandboxMetricsStore>(), _services.GetRequiredService<Agent.Transfers.TemplateTransfers>(), _services.GetRequiredService<Agent.Transfers.SandboxTransfers>());

    /// <summary>
    /// The services of an agent that starts again on <paramref name="wrennDir"/> after a crash (the first
    /// one never cleaned up): tests call its manager's RecoverAsync and look at what it adopted.
    /// </summary>
    public static ServiceProvider RestartedOn(string wrennDir)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        AgentHost.ConfigureServices(services, new AgentOptions { WrennDir = wrennDir, Runtime = "container" });
        return services.BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        // As the host stops its services (the last registered first): the prepared VMs go before the sandboxes, so
        // that the runtime's release after the last sandbox finds the VM cgroups' parent empty and removes it.
        await _services.GetRequiredService<Agent.Runtimes.Qemu.PreparedVmms>().StopAsync(CancellationToken.None);
        await Manager.DestroyAllAsync(CancellationToken.None);
        await _services.DisposeAsync();
        Directory.Delete(WrennDir, recursive: true);
    }
}
