using System.Diagnostics;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Sandboxes;

namespace Wrenn.Agent.Pool;

/// <summary>
/// Turns a pooled sandbox into the one a create asked for: its public id, team, a fresh envd token
/// (the pool's stops working), the request's environment, its own hostname and /etc/hosts, and
/// timers that start now. What it cannot make the caller's is destroyed, never returned to the pool.
/// </summary>
public sealed class PoolClaim(
    IPoolFiller filler,
    ISandboxEnvd envd,
    GuestSetup guest,
    SandboxRecordStore records,
    SandboxTable table,
    IOptions<SandboxManagerOptions> options,
    TimeProvider clock,
    ILogger<PoolClaim> logger)
{
    /// <summary>
    /// The claimed sandbox, in the table under <paramref name="spec"/>'s id; null when the claim failed
    /// (the pooled sandbox is then destroyed and the caller creates one cold).
    /// </summary>
    public async Task<Sandbox?> ClaimAsync(PooledSandbox pooled, CreateSandboxSpec spec, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var from = pooled.Sandbox;
        var sandbox = new Sandbox(spec, from.Directory)
        {
            Slot = from.Slot,
            Runtime = from.Runtime,
            EnvdVersion = from.EnvdVersion,
        };
        if (!ReferenceEquals(table.GetOrAdd(sandbox), sandbox))
        {
            // Another create of this id got in first: this one is nobody's now.
            await DestroyAsync(from, null).ConfigureAwait(false);
            return null;
        }

        try
        {
            var token = SandboxRecordStore.NewEnvdToken();
            sandbox.EnvdVersion = await envd.InitAsync(sandbox.EnvdUri!, from.EnvdAccessToken!, token, spec.Environment, options.Value.DefaultUser, cancellationToken).ConfigureAwait(false)
                ?? sandbox.EnvdVersion;
            sandbox.EnvdAccessToken = token;
            await guest.NameClaimedGuestAsync(sandbox, cancellationToken).ConfigureAwait(false);
            sandbox.StartedAt = clock.GetUtcNow();
            sandbox.LastActiveAt = sandbox.StartedAt;
            sandbox.State = SandboxState.Running;
            await records.WriteAsync(sandbox, cancellationToken).ConfigureAwait(false);
            logger.PoolClaimed(
                spec.SandboxId,
                from.Id,
                pooled.Key,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return sandbox;
        }
        catch (Exception ex)
        {
            table.Remove(sandbox);
            await DestroyAsync(sandbox, ex).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return null;
        }
    }

    private async Task DestroyAsync(Sandbox sandbox, Exception? why)
    {
        if (why is not null)
        {
            logger.PoolClaimFailed(why, sandbox.RuntimeId, sandbox.Id);
        }

        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var errors = await filler.DestroyAsync(sandbox, budget.Token).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            logger.PooledDestroyIncomplete(new AggregateException(errors), sandbox.RuntimeId);
        }
    }
}
