using Microsoft.Extensions.Options;
using Wrenn.Agent.Pool;
using Wrenn.Agent.Rpc;

namespace Wrenn.Agent.Registration;

/// <summary>
/// Tells the control plane, at the interval it asks for, that this host is alive and what it has, and
/// keeps the fresh host token each answer carries (host tokens live an hour by default), in memory
/// and in $WRENN_DIR/host-token.
/// </summary>
public sealed class HeartbeatService(
    ControlPlaneClient controlPlane,
    HostCredentials credentials,
    IHeartbeatSource sandboxes,
    HostInfoProvider hostInfo,
    IOptions<AgentOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    ILogger<HeartbeatService> logger) : BackgroundService
{
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);

    /// <summary>After a failed heartbeat, try again soon: a restarting control plane should see this host at once.</summary>
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(2);

    /// <summary>What this agent holds now: the registration's credentials with the latest host token.</summary>
    private HostCredentials _current = credentials;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first heartbeat makes the host ready, and the control plane places sandboxes on a ready host at once: it
        // goes only when the gRPC server listens (ApplicationStarted comes after the server started), or those creates
        // meet a closed port (502 host_unavailable). It once went before the server, so that a control plane that knew
        // the host at another address learnt the new one first; a heartbeat no longer moves a host (only registration
        // does), so nothing needs it earlier.
        await ServingAsync(stoppingToken).ConfigureAwait(false);
        var interval = DefaultInterval;
        TimeSpan? asked = null;
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!first)
            {
                await Task.Delay(asked is null ? TimeSpan.FromTicks(Math.Min(RetryAfterFailure.Ticks, interval.Ticks)) : interval, clock, stoppingToken).ConfigureAwait(false);
            }

            first = false;
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

    /// <summary>Completes once the host has started (its server listens); throws when it stops first.</summary>
    private async Task ServingAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
    }

    /// <summary>One heartbeat; the interval the control plane asks for, or null when it did not answer.</summary>
    private async Task<TimeSpan?> BeatAsync(CancellationToken cancellationToken)
    {
        // The address is only informative: the control plane keeps the registered one and logs a difference.
        var pool = sandboxes.PoolReport();
        var heartbeat = new HeartbeatRequestMessage(
            _current.Address,
            hostInfo.Specs(sandboxes.RuntimeName, options.Value.WrennDir),
            sandboxes.RunningSandboxes(),
            pool.Totals.Vcpus,
            pool.Totals.MemoryMb,
            [.. pool.Lanes.Select(l => new HeartbeatPoolLaneMessage(l.Key.Template, l.Key.Vcpus, l.Key.MemoryMb, l.Ready))]);
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

        // A control plane that says no capacity (an older one) leaves the pool unbounded, as it always was.
        sandboxes.CapacityGiven(new HostCapacity(answer.CapacityVcpus, answer.CapacityMemoryMb));
        return answer.HeartbeatIntervalSec > 0 ? TimeSpan.FromSeconds(answer.HeartbeatIntervalSec) : null;
    }
}
