using Wrenn.Tests.Shared;

namespace Wrenn.Bench.Platform;

/// <summary>
/// Starts the platform a measurement needs, one at a time: asking for another kind stops the current
/// one first, so two platforms never compete for the machine's 2 cores. Each platform's logs (the control
/// plane's and the agent's, with every create's step timing) are copied to <paramref name="logsDirectory"/>/KIND
/// before it is stopped, since its directory goes with it.
/// </summary>
public sealed class PlatformHost(BenchOptions options, string logsDirectory) : IAsyncDisposable
{
    private RunningPlatform? _current;
    private PlatformKind _kind = PlatformKind.None;
    private readonly List<string> _stopFailures = [];

    /// <summary>Platforms that failed to stop cleanly (a leftover mount, a process that did not exit).</summary>
    public IReadOnlyList<string> StopFailures => _stopFailures;

    /// <summary>Known once the warm platform has started.</summary>
    public PoolStatus? Pool { get; private set; }

    public async Task<RunningPlatform> GetAsync(PlatformKind kind, CancellationToken cancellationToken)
    {
        if (_current is not null && _kind == kind)
        {
            return _current;
        }

        await StopCurrentAsync();
        var environment = new Dictionary<string, string>();
        var runtime = "container";
        if (kind == PlatformKind.Warm)
        {
            environment["WRENN_WARM_POOL"] = $"minimal={options.PoolDepth}";
        }
        else if (kind == PlatformKind.Qemu)
        {
            runtime = "qemu";
        }

        Console.WriteLine($"-- starting a {kind.ToString().ToLowerInvariant()} platform{(kind == PlatformKind.Warm ? $" (WRENN_WARM_POOL=minimal={options.PoolDepth})" : "")}");
        _current = await RunningPlatform.StartAsync(cancellationToken, environment: environment, runtime: runtime);
        _kind = kind;
        if (kind == PlatformKind.Warm)
        {
            Pool = await ProbePoolAsync(_current, cancellationToken);
            Console.WriteLine(Pool.Available ? $"-- warm pool: {Pool.Reason}" : $"-- pool not available: {Pool.Reason}");
        }

        return _current;
    }

    public async ValueTask DisposeAsync() => await StopCurrentAsync();

    private async Task<PoolStatus> ProbePoolAsync(RunningPlatform platform, CancellationToken cancellationToken)
    {
        if (!PoolProbe.AgentKnowsPool(TestEnvironment.Builds))
        {
            return new PoolStatus(false, "this build's agent does not read WRENN_WARM_POOL");
        }

        var probe = new PoolProbe(platform.WrennDir);
        // Refills go one at a time; a cold create takes seconds on a busy 2-core machine.
        var timeout = TimeSpan.FromSeconds(30 + (5 * options.PoolDepth));
        if (await probe.WaitForDepthAsync(options.PoolDepth, timeout, cancellationToken))
        {
            return new PoolStatus(true, $"{options.PoolDepth} sandboxes ready");
        }

        var count = probe.SandboxCount();
        return count == 0
            ? new PoolStatus(false, $"no pooled sandbox appeared in {timeout.TotalSeconds:F0} s")
            : new PoolStatus(true, $"only {count} of {options.PoolDepth} ready after {timeout.TotalSeconds:F0} s");
    }

    private async Task StopCurrentAsync()
    {
        if (_current is null)
        {
            return;
        }

        var platform = _current;
        var kind = _kind;
        _current = null;
        _kind = PlatformKind.None;
        KeepLogs(platform, kind);
        try
        {
            if (kind == PlatformKind.Warm && Pool is { Available: true })
            {
                // Stop with no refill under way: a platform stopped mid-refill has left a pooled
                // sandbox behind (seen with s16/pool at 34b7d0e), which is the pool's bug to fix, not
                // a reason to lose this run.
                await new PoolProbe(platform.WrennDir).WaitForDepthAsync(options.PoolDepth, TimeSpan.FromSeconds(30 + (5 * options.PoolDepth)), CancellationToken.None);
            }

            await platform.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or OperationCanceledException)
        {
            // A platform that left something behind must not cost the figures already measured: say so,
            // and fail the run at the end.
            var failure = $"the {kind.ToString().ToLowerInvariant()} platform did not stop cleanly ({ex.Message}); run scripts/leak-check.sh";
            _stopFailures.Add(failure);
            Console.WriteLine("-- " + failure);
        }
    }

    /// <summary>Copies the platform's logs (best effort: a figure already measured matters more than its log).</summary>
    private void KeepLogs(RunningPlatform platform, PlatformKind kind)
    {
        var logs = Path.Combine(platform.WrennDir, "logs");
        var kept = Path.Combine(logsDirectory, kind.ToString().ToLowerInvariant());
        try
        {
            if (!Directory.Exists(logs))
            {
                return;
            }

            Directory.CreateDirectory(kept);
            foreach (var file in Directory.EnumerateFiles(logs))
            {
                File.Copy(file, Path.Combine(kept, Path.GetFileName(file)), overwrite: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.WriteLine($"-- the {kind.ToString().ToLowerInvariant()} platform's logs were not kept: {ex.Message}");
        }
    }
}
