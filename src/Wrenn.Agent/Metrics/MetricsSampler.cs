using Microsoft.Extensions.Options;
using Wrenn.Agent.Os;
using Wrenn.Agent.Sandboxes;
using Wrenn.Agent.Telemetry;

namespace Wrenn.Agent.Metrics;

/// <summary>
/// Every <see cref="MetricsSamplerOptions.IntervalSeconds"/>, stores a reading of each running sandbox,
/// so GetSandboxMetrics can answer with history; forgets sandboxes the manager no longer has.
/// </summary>
public sealed class MetricsSampler(
    SandboxManager manager,
    SandboxMetricsReader reader,
    SandboxMetricsStore store,
    IOptions<MetricsSamplerOptions> options,
    TimeProvider clock,
    ILogger<MetricsSampler> logger) : BackgroundService
{
    /// <summary>One pass: what the timer does every interval.</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        var sandboxes = manager.List();
        store.Retain(sandboxes.Select(s => s.Id).ToHashSet(StringComparer.Ordinal));
        foreach (var sandbox in sandboxes.Where(s => s.State == SandboxState.Running))
        {
            using var scope = logger.BeginSandboxScope(sandbox.Id);
            try
            {
                store.Add(sandbox.Id, await reader.ReadAsync(sandbox, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is SandboxNotFoundException or SandboxConflictException or IOException or UnauthorizedAccessException or CommandFailedException)
            {
                // Paused or destroyed while we read: no reading this time.
                logger.NoMetricsReading(ex, sandbox.Id);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A reading that fails must not end the sampler (nor, through it, the agent).
                logger.MetricsReadFailed(ex, sandbox.Id);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.IntervalSeconds), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await SampleAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The agent is stopping.
        }
    }
}
