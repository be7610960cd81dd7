using Wrenn.Agent.Telemetry;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// Every two seconds, pauses sandboxes idle past their timeout_sec; destroys one only when pausing it
/// failed. Runs on its own tokens: an agent stopping must not leave a pause half done.
/// </summary>
public sealed class InactivityReaper(SandboxManager manager, TimeProvider clock, ILogger<InactivityReaper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan OperationBudget = TimeSpan.FromMinutes(5);

    /// <summary>One pass: what the timer does every <see cref="Interval"/>.</summary>
    public async Task ReapAsync()
    {
        foreach (var sandbox in manager.Idle(clock.GetUtcNow()))
        {
            using var scope = logger.BeginSandboxScope(sandbox.Id);
            using var budget = new CancellationTokenSource(OperationBudget);
            try
            {
                await manager.PauseAsync(sandbox.Id, automatic: true, budget.Token).ConfigureAwait(false);
            }
            catch (SandboxConflictException)
            {
                // It changed state meanwhile (resumed, destroyed, paused by hand): nothing to do.
            }
            catch (Exception ex)
            {
                logger.IdlePauseFailed(ex, sandbox.Id);
                try
                {
                    await manager.DestroyAsync(sandbox.Id, budget.Token).ConfigureAwait(false);
                }
                catch (Exception destroyError)
                {
                    logger.IdleDestroyFailed(destroyError, sandbox.Id);
                }
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await ReapAsync().ConfigureAwait(false);
        }
    }
}
