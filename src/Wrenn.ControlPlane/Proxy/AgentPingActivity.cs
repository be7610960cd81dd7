using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Sandboxes;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// The activity recorder the proxy falls back on where the sandbox service registers none: at most one
/// ping per sandbox per <see cref="Interval"/> resets the agent's inactivity timer and the stored
/// last-active time, in the background so no request waits for it.
/// </summary>
public sealed class AgentPingActivity(IServiceScopeFactory scopes, AgentClientPool agents, TimeProvider clock, ILogger<AgentPingActivity> logger) : ISandboxActivity
{
    /// <summary>Inactivity timeouts are whole seconds and at least minutes in practice; a ping every few seconds keeps them honest.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastPing = new(StringComparer.Ordinal);

    public ValueTask RecordAsync(string sandboxId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var last = _lastPing.GetValueOrDefault(sandboxId, DateTimeOffset.MinValue);
        if (now - last < Interval || !_lastPing.TryUpdate(sandboxId, now, last) && !_lastPing.TryAdd(sandboxId, now))
        {
            return ValueTask.CompletedTask;
        }

        // Detached: the request that caused it may end before the ping does.
        _ = Task.Run(() => PingAsync(sandboxId), CancellationToken.None);
        return ValueTask.CompletedTask;
    }

    private async Task PingAsync(string sandboxId)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WrennDbContext>();
            var sandbox = await db.Sandboxes.FirstOrDefaultAsync(s => s.Id == sandboxId).ConfigureAwait(false);
            var host = sandbox is null ? null : await db.Hosts.AsNoTracking().FirstOrDefaultAsync(h => h.Id == sandbox.HostId).ConfigureAwait(false);
            if (sandbox is null || host is null)
            {
                return;
            }

            await agents.For(host).PingSandboxAsync(new Agent.PingSandboxRequest { SandboxId = sandboxId }, deadline: DateTime.UtcNow.AddSeconds(10)).ConfigureAwait(false);
            sandbox.LastActiveAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Grpc.Core.RpcException or DbUpdateException or InvalidOperationException)
        {
            logger.LogDebug(ex, "Proxy activity ping for {SandboxId} failed", sandboxId);
        }
    }
}
