using Microsoft.Extensions.Options;
using Wrenn.Envd.Filesystem;
using Wrenn.Envd.Http;
using Wrenn.Envd.Process;

namespace Wrenn.Envd.Hosting;

/// <summary>
/// envd's services, made by hand instead of by a dependency-injection container (whose generic types
/// NativeAOT had to build at every start), and each only when a call first needs it: a sandbox's first
/// /health needs nothing but the state. Also the requests' <see cref="IServiceProvider"/>, which ASP.NET
/// Core's results ask for their <see cref="ILoggerFactory"/>.
/// </summary>
public sealed class EnvdServices : IServiceProvider, IDisposable
{
    private readonly Lazy<UserResolver> _users;
    private readonly Lazy<ProcessTable> _processes;
    private readonly Lazy<ProcessService> _processService;
    private readonly Lazy<DirectoryWatchers> _watchers;
    private readonly Lazy<FilesystemService> _filesystem;
    private readonly Lazy<CpuSampler> _cpu = new(() => new CpuSampler());

    public EnvdServices(EnvdOptions options, ILoggerFactory loggers)
    {
        Options = Microsoft.Extensions.Options.Options.Create(options);
        Loggers = loggers;
        State = new EnvdState(Options);
        Reaper = new ChildReaper(new Logger<ChildReaper>(Loggers));
        _users = new(() => new UserResolver(State));
        _processes = new(() => new ProcessTable(TimeProvider.System));
        _processService = new(() => new ProcessService(new ProcessLauncher(Options, State, Reaper, new Logger<ProcessLauncher>(Loggers)), _processes.Value, _users.Value, Options));
        _watchers = new(() => new DirectoryWatchers(Options));
        _filesystem = new(() => new FilesystemService(_users.Value, _watchers.Value));
    }

    public IOptions<EnvdOptions> Options { get; }

    public ILoggerFactory Loggers { get; }

    public EnvdState State { get; }

    /// <summary>Reaps the processes envd starts; <see cref="ChildReaper.Start"/> before envd serves.</summary>
    public ChildReaper Reaper { get; }

    public UserResolver Users => _users.Value;

    public ProcessService Processes => _processService.Value;

    public FilesystemService Filesystem => _filesystem.Value;

    public CpuSampler Cpu => _cpu.Value;

    public object? GetService(Type serviceType) =>
        serviceType == typeof(ILoggerFactory) ? Loggers
        : serviceType == typeof(IServiceProvider) ? this
        : null;

    /// <summary>Kills every process envd started (at shutdown); none when no call started one.</summary>
    public void KillProcesses()
    {
        if (_processes.IsValueCreated)
        {
            _processes.Value.KillAll();
        }
    }

    public void Dispose()
    {
        if (_watchers.IsValueCreated)
        {
            _watchers.Value.Dispose();
        }
    }
}
