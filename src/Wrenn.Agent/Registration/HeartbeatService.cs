using Microsoft.Extensions.Options;
using Wrenn.Agent.Rpc;
using Wrenn.Agent.Sandboxes;

namespace Wrenn.Agent.Registration;

/// <summary>
/// Tells the control plane, at the interval it asks for, that this host is alive and what it has, and
/// keeps the fresh host token each answer carries (host tokens live an hour by default), in memory
/// and in $WRENN_DIR/host-token.
/// </summary>
public sealed class HeartbeatService(
    ControlPlaneClient controlPlane,
    HostCredentials credentials,
    SandboxManager sandboxes,
    HostInfoProvider hostInfo,
    IOptions<AgentOptions> options,
    TimeProvider clock,
    ILogger<HeartbeatService> logger) : BackgroundService
{
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);

    /// <summary>After a failed heartbeat, try again soon: a restarting control plane should see this host at once.</summary>
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(2);

    /// <summary>How long the first heartbeat may hold up the agent's start.</summary>
    private static readonly TimeSpan FirstHeartbeatBudget = TimeSpan.FromSeconds(10);

    private TimeSpan? _firstAnswer;

    /// <summary>What this agent holds now: the registration's credentials with the latest host token.</summary>
    private HostCredentials _current = credentials;

    /// <summary>
    /// Sends the first heartbeat before the agent serves (hosted services start before the server):
    /// a control plane that knew this host at another address learns the new one before it dials.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(FirstHeartbeatBudget);
        try
        {
            _firstAnswer = await BeatAsync(budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The control plane is slow or away; the loop keeps trying.
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = _firstAnswer ?? DefaultInterval;
        var asked = _firstAnswer;
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(asked is null ? TimeSpan.FromTicks(Math.Min(RetryAfterFailure.Ticks, interval.Ticks)) : interval, clock, stoppingToken).ConfigureAwait(false);
            try
            {
                asked = await BeatAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever one heartbeat meets (a full disk for the rotated token, an answer it cannot read) is one
                // missed heartbeat: an exception here would stop the agent's host, and with it every sandbox.
                logger.HeartbeatThrew(ex);
                asked = null;
            }

            interval = asked ?? interval;
        }
    }

    /// <summary>One heartbeat; the interval the control plane asks for, or null when it did not answer.</summary>
    private async Task<TimeSpan?> BeatAsync(CancellationToken cancellationToken)
    {
        // The address is only informative: the control plane keeps the registered one and logs a difference.
        var pooled = sandboxes.PoolStatus();
        var heartbeat = new HeartbeatRequestMessage(
            _current.Address,
            hostInfo.Specs(sandboxes.RuntimeName, options.Value.WrennDir),
            sandboxes.List().Count(s => s.State == SandboxState.Running),
            pooled.Vcpus,
            pooled.MemoryMb);
        var answer = await controlPlane.HeartbeatAsync(_current, heartbeat, cancellationToken).ConfigureAwait(false);
        if (answer is null)
        {
            return null;
        }

        if (answer.HostToken is { Length: > 0 } fresh && fresh != _current.HostToken)
        {
            // Written first: an agent that restarts now must find a token that still works.
            var rotated = _current with { HostToken = fresh };
            rotated.Write(options.Value.WrennDir);
            _current = rotated;
        }

        return answer.HeartbeatIntervalSec > 0 ? TimeSpan.FromSeconds(answer.HeartbeatIntervalSec) : null;
    }
}
