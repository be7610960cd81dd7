using Microsoft.Extensions.Options;
using Wrenn.Agent.Rpc;
using Wrenn.Agent.Sandboxes;

namespace Wrenn.Agent.Registration;

/// <summary>Tells the control plane, at the interval it asks for, that this host is alive, where it listens, and what it has.</summary>
public sealed class HeartbeatService(
    ControlPlaneClient controlPlane,
    HostCredentials credentials,
    SandboxManager sandboxes,
    HostInfoProvider hostInfo,
    IOptions<AgentOptions> options,
    TimeProvider clock) : BackgroundService
{
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);

    /// <summary>After a failed heartbeat, try again soon: a restarting control plane should see this host at once.</summary>
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = DefaultInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            var heartbeat = new HeartbeatRequestMessage(
                options.Value.AdvertiseAddress ?? credentials.Address,
                hostInfo.Specs(sandboxes.RuntimeName, options.Value.WrennDir),
                sandboxes.List().Count(s => s.State == SandboxState.Running));
            var asked = await controlPlane.HeartbeatAsync(credentials, heartbeat, stoppingToken).ConfigureAwait(false);
            interval = asked ?? interval;
            await Task.Delay(asked is null ? TimeSpan.FromTicks(Math.Min(RetryAfterFailure.Ticks, interval.Ticks)) : interval, clock, stoppingToken).ConfigureAwait(false);
        }
    }
}
