using System.Diagnostics;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
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
            EnvdConnectionKey = from.EnvdConnectionKey,
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
            // Each step's own time, for the one line a claim logs (the warm create's step table).
            List<StepTiming> steps = [];
            async Task TimedAsync(string step, Func<Task> action)
            {
                var stepStarted = Stopwatch.GetTimestamp();
                await action().ConfigureAwait(false);
                lock (steps)
                {
                    steps.Add(new StepTiming(step, Stopwatch.GetElapsedTime(stepStarted).TotalMilliseconds));
                }
            }

            var token = SandboxRecordStore.NewEnvdToken();
            var named = false;
            async Task InitAsync()
            {
                // A VM's envd names its guest in /init when it can (a container is named from the host).
                var hostname = guest.NamesClaimedGuestOnHost ? null : sandbox.Id;
                var answer = await envd.InitAsync(sandbox.EnvdUri!, from.EnvdAccessToken!, token, spec.Environment, options.Value.DefaultUser, hostname, cancellationToken).ConfigureAwait(false);
                sandbox.EnvdVersion = answer.Version ?? sandbox.EnvdVersion;
                sandbox.EnvdAccessToken = token;
                named = hostname is not null && answer.NamedAs == hostname;
            }

            if (guest.NamesClaimedGuestOnHost)
            {
                // A container is named from the host, not through envd: both go at once, and a claim takes
                // the longer of the two, not their sum. Both end before a failure destroys the sandbox.
                await Task.WhenAll(
                    TimedAsync("init", InitAsync),
                    TimedAsync("name", () => guest.NameClaimedGuestAsync(sandbox, cancellationToken))).ConfigureAwait(false);
            }
            else
            {
                // A VM is named through envd: by /init itself, or else by a process with the token /init gave it.
                await TimedAsync("init", InitAsync).ConfigureAwait(false);
                if (!named)
                {
                    await TimedAsync("name", () => guest.NameClaimedGuestAsync(sandbox, cancellationToken)).ConfigureAwait(false);
                }
            }

            sandbox.StartedAt = clock.GetUtcNow();
            sandbox.LastActiveAt = sandbox.StartedAt;
            sandbox.State = SandboxState.Running;
            await TimedAsync("record", () => records.WriteAsync(sandbox, cancellationToken)).ConfigureAwait(false);
            logger.PoolClaimed(
                spec.SandboxId,
                from.Id,
                pooled.Key,
                StepTimingLine.FormatMs(Stopwatch.GetElapsedTime(started).TotalMilliseconds),
                StepTimingLine.FormatSteps(steps));
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
