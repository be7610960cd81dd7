using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;

namespace Wrenn.ControlPlane.Sandboxes;

/// <inheritdoc cref="ISandboxActivity"/>
/// <remarks>
/// Per sandbox, at most one record per <see cref="ControlPlaneOptions.ActivityInterval"/>: last_active_at
/// in the database and a ping to the host agent (which resets the host's inactivity timer). Calls in
/// between return at once. A failed ping is logged, not thrown: activity is a hint, not the work.
/// </remarks>
public sealed class SandboxActivity(IServiceScopeFactory scopes, IAgentGateway gateway, IOptions<ControlPlaneOptions> options, TimeProvider clock, ILogger<SandboxActivity> logger) : ISandboxActivity
{
    /// <summary>Above this many remembered sandboxes, ones not recorded within an interval are forgotten.</summary>
    private const int PruneAbove = 4096;

    private readonly ConcurrentDictionary<string, DateTime> _lastRecorded = new(StringComparer.Ordinal);

    public async ValueTask RecordAsync(string sandboxId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (!TryClaim(sandboxId, now))
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var lookup = scope.ServiceProvider.GetRequiredService<SandboxLookup>();
        var sandbox = await lookup.FindAnyTeamAsync(sandboxId, cancellationToken).ConfigureAwait(false);
        if (sandbox is null || sandbox.State != SandboxStates.Running)
        {
            return;
        }

        sandbox.LastActiveAt = now;
        await lookup.SaveAsync().ConfigureAwait(false);
        var onHost = await lookup.OnHostAsync(sandbox, cancellationToken).ConfigureAwait(false);
        if (onHost.Succeeded)
        {
            var pinged = await gateway.PingSandboxAsync(onHost.Value.Host, sandboxId, cancellationToken).ConfigureAwait(false);
            if (!pinged.Succeeded)
            {
                logger.ActivityPingFailed(sandboxId, pinged.Error.Message);
            }
        }
    }

    public void MarkRecorded(string sandboxId, DateTime at) =>
        _lastRecorded.AddOrUpdate(sandboxId, at, (_, last) => at > last ? at : last);

    /// <summary>True for the one caller per interval that records; everyone else is coalesced into it.</summary>
    private bool TryClaim(string sandboxId, DateTime now)
    {
        var interval = options.Value.ActivityInterval;
        if (_lastRecorded.Count > PruneAbove)
        {
            foreach (var (id, at) in _lastRecorded)
            {
                if (now - at >= interval)
                {
                    _lastRecorded.TryRemove(KeyValuePair.Create(id, at));
                }
            }
        }

        while (true)
        {
            if (_lastRecorded.TryGetValue(sandboxId, out var last))
            {
                if (now - last < interval)
                {
                    return false;
                }

                if (_lastRecorded.TryUpdate(sandboxId, now, last))
                {
                    return true;
                }
            }
            else if (_lastRecorded.TryAdd(sandboxId, now))
            {
                return true;
            }
        }
    }
}
