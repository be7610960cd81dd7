using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Reconciliation;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// Empties draining hosts in the background (<see cref="HostDrainPass"/>): every reconcile interval on
/// the replica that leads, and at once on the replica that took a drain call (<see cref="Kick"/>). Whether
/// a host drains is in the database, so after a restart the leader carries on with the hosts still
/// draining and leaves undrained ones alone. Two replicas' passes may overlap: a sandbox's move is
/// claimed by one conditional write, so only one of them moves it.
/// </summary>
public sealed class HostDrainer(IServiceScopeFactory scopes, ILeadership leadership, IOptions<ControlPlaneOptions> options, ILogger<HostDrainer> logger) : BackgroundService
{
    private readonly SemaphoreSlim _kick = new(0, 1);

    /// <summary>Runs a pass now (on this replica, leader or not) instead of at the next interval.</summary>
    public void Kick()
    {
        try
        {
            _kick.Release();
        }
        catch (SemaphoreFullException)
        {
            // A pass is already asked for.
        }
    }

    /// <summary>One pass; returns how many sandboxes moved.</summary>
    public async Task<int> RunPassAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<HostDrainPass>().RunAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var kicked = await _kick.WaitAsync(options.Value.ReconcileInterval, stoppingToken).ConfigureAwait(false);
                if (kicked || await leadership.IsLeaderAsync(stoppingToken).ConfigureAwait(false))
                {
                    await RunPassAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.DrainPassFailed(ex);
            }
        }
    }

    public override void Dispose()
    {
        _kick.Dispose();
        base.Dispose();
    }
}
