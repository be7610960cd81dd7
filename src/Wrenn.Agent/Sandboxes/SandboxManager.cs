using System.Diagnostics;
using Wrenn.Agent.Network;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Pool;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Storage;
using Wrenn.Agent.Telemetry;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// The sandboxes' lifecycle on this host: create (from the warm pool when it has one, else cold),
/// destroy, pause and resume, each a transition of one sandbox. The table (<see cref="SandboxTable"/>)
/// is the truth for what runs here; the steps live in their own classes: <see cref="SandboxStarter"/>,
/// <see cref="SandboxTeardown"/>, <see cref="SandboxRecovery"/>, <see cref="SandboxTemplates"/>,
/// <see cref="GuestSetup"/>, <see cref="SandboxRecordStore"/>, <see cref="WarmPool"/>.
/// </summary>
public sealed class SandboxManager(
    IRuntime runtime,
    SandboxTable table,
    SandboxStarter starter,
    SandboxTeardown teardown,
    SandboxRecordStore records,
    SandboxRecovery recovery,
    SandboxTemplates snapshots,
    SandboxThaw thaw,
    GuestSetup guest,
    ISandboxNetwork network,
    NameserverResolver nameservers,
    SandboxRequestValidator validator,
    WarmPool pool,
    PoolClaim claims,
    IStepFaults faults,
    ILogger<SandboxManager> logger)
{
    public string RuntimeName => runtime.Name;

    /// <summary>A snapshot of the table (pooled sandboxes are not in it).</summary>
    public IReadOnlyList<Sandbox> List() => table.List();

    /// <summary>What the warm pool holds now; the heartbeat counts it against the host's capacity.</summary>
    public WarmPoolStatus PoolStatus() => pool.Status();

    /// <summary>
    /// Creates and starts a sandbox and waits until its envd answers: claimed from the warm pool when it
    /// has a ready one of this template and size, else made cold. On any failure everything done so far
    /// is undone and the exception propagates. A second create for a running sandbox returns it.
    /// </summary>
    public async Task<Sandbox> CreateAsync(CreateSandboxSpec spec, CancellationToken cancellationToken)
    {
        validator.ValidateCreate(spec);
        if (runtime.Capabilities.Refusal is { } refusal)
        {
            throw new RuntimeUnavailableException(refusal);
        }

        if (!table.Contains(spec.SandboxId) && pool.TryTake(new PoolKey(spec.Template, spec.Vcpus, spec.MemoryMb)) is { } pooled
            && await claims.ClaimAsync(pooled, spec, cancellationToken).ConfigureAwait(false) is { } claimed)
        {
            return claimed;
        }

        var sandbox = new Sandbox(spec, Path.Combine(SandboxesDirectory, spec.SandboxId));
        var existing = table.GetOrAdd(sandbox);
        if (!ReferenceEquals(existing, sandbox))
        {
            return existing.State == SandboxState.Running
                ? existing
                : throw new SandboxConflictException($"sandbox {spec.SandboxId} already exists and is {Describe(existing.State)}");
        }

        try
        {
            // The sandbox counts in the table from now on: pooled sandboxes whose room it takes make way for it.
            pool.GiveWay(sandbox.Id);
            await starter.StartAsync(sandbox, pooled: false, cancellationToken).ConfigureAwait(false);
            return sandbox;
        }
        catch
        {
            table.Remove(sandbox);
            throw;
        }
    }

    /// <summary>
    /// Stops the sandbox and frees everything it held. When some step fails the sandbox stays in the
    /// table in the error state so that destroy can be retried, and the errors are thrown together.
    /// </summary>
    public async Task DestroyAsync(string sandboxId, CancellationToken cancellationToken)
    {
        var sandbox = table.Get(sandboxId);
        if (sandbox.State == SandboxState.Starting)
        {
            throw new SandboxConflictException($"sandbox {sandboxId} is still starting");
        }

        await sandbox.TransitionAsync(
            async () =>
            {
                sandbox.State = SandboxState.Stopping;
                var errors = await teardown.TearDownAsync(sandbox, cancellationToken).ConfigureAwait(false);
                if (errors.Count > 0)
                {
                    sandbox.State = SandboxState.Error;
                    throw new AggregateException($"destroying sandbox {sandboxId} left {errors.Count} error(s)", errors);
                }

                table.Remove(sandbox);
                logger.SandboxDestroyed(sandboxId);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Pauses a running sandbox. If the runtime fails half-way the sandbox is resumed, so it is never
    /// left frozen while reported running; when even that fails it is marked error.
    /// </summary>
    public async Task<Sandbox> PauseAsync(string sandboxId, bool automatic, CancellationToken cancellationToken)
    {
        var sandbox = table.Get(sandboxId);
        return await sandbox.TransitionAsync(
            async () =>
            {
                if (sandbox.State != SandboxState.Running)
                {
                    throw new SandboxConflictException($"sandbox {sandboxId} is {Describe(sandbox.State)}, not running");
                }

                var started = Stopwatch.GetTimestamp();
                sandbox.State = SandboxState.Pausing;
                try
                {
                    await runtime.PauseAsync(sandbox.Runtime!, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    logger.PauseFailedResuming(ex, sandboxId);
                    sandbox.State = await thaw.ThawOrMarkErrorAsync(sandbox).ConfigureAwait(false);
                    throw;
                }

                var frozen = Stopwatch.GetTimestamp();
                sandbox.State = SandboxState.Paused;
                sandbox.AutoPaused = automatic;
                if (runtime.Capabilities.MemorySnapshots)
                {
                    await ReleaseSlotAsync(sandbox).ConfigureAwait(false);
                }

                try
                {
                    await records.WriteAsync(sandbox, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (!runtime.Capabilities.MemorySnapshots)
                {
                    // The pause cannot be recorded (a full host disk): a frozen container would stay frozen with an
                    // error reported to the caller, and exec would find it paused. Thawed, it is as it was (its record
                    // still says running) and the caller sees why the pause failed.
                    logger.PauseFailedResuming(ex, sandboxId);
                    sandbox.AutoPaused = false;
                    sandbox.State = await thaw.ThawOrMarkErrorAsync(sandbox).ConfigureAwait(false);
                    throw;
                }

                var recorded = Stopwatch.GetTimestamp();
                logger.SandboxPaused(sandboxId, automatic ? " (inactive)" : string.Empty, Stopwatch.GetElapsedTime(started, recorded).TotalMilliseconds, Stopwatch.GetElapsedTime(started, frozen).TotalMilliseconds, Stopwatch.GetElapsedTime(frozen, recorded).TotalMilliseconds);
                return sandbox;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Resumes a paused sandbox; <paramref name="timeoutSec"/> replaces its inactivity timeout.</summary>
    public async Task<Sandbox> ResumeAsync(string sandboxId, uint timeoutSec, CancellationToken cancellationToken)
    {
        var sandbox = table.Get(sandboxId);
        return await sandbox.TransitionAsync(
            async () =>
            {
                if (sandbox.State != SandboxState.Paused)
                {
                    throw new SandboxConflictException($"sandbox {sandboxId} is {Describe(sandbox.State)}, not paused");
                }

                var started = Stopwatch.GetTimestamp();
                sandbox.State = SandboxState.Resuming;
                // Its steps are a network slot's, only for a VM paused to disk; the resume's line is 3114 below
                // (whole time, thaw and record), the slot's steps are in 3300 at Debug.
                await using var rollback = new RollbackList("resume " + sandboxId, logger, faults, logsTimingLine: false);
                var movedSlot = false;
                try
                {
                    if (sandbox.Slot is null)
                    {
                        // Paused to disk, it gave its slot back; any free one will do (every guest has the same address).
                        var slot = await network.CreateAsync(rollback, cancellationToken).ConfigureAwait(false);
                        sandbox.Slot = slot;
                        sandbox.Runtime = sandbox.Runtime! with { Network = SandboxStarter.NetworkOf(slot, nameservers.Resolve()) };
                        movedSlot = true;
                    }

                    await runtime.ResumeAsync(sandbox.Runtime!, cancellationToken).ConfigureAwait(false);
                    rollback.Commit();
                }
                catch (Exception ex)
                {
                    // Still paused as far as anyone can tell, its memory still on disk; the caller may retry.
                    var undoErrors = await rollback.RollbackAsync().ConfigureAwait(false);
                    if (movedSlot)
                    {
                        sandbox.Slot = null;
                        sandbox.Runtime = sandbox.Runtime! with { Network = RuntimeNetwork.Detached };
                    }

                    sandbox.State = SandboxState.Paused;
                    if (undoErrors.Count > 0)
                    {
                        throw new RollbackFailedException(rollback.Operation, ex, undoErrors);
                    }

                    throw;
                }

                if (runtime.Capabilities.MemorySnapshots)
                {
                    await guest.SyncClockAsync(sandbox, cancellationToken).ConfigureAwait(false);
                }

                var thawed = Stopwatch.GetTimestamp();
                sandbox.State = SandboxState.Running;
                sandbox.AutoPaused = false;
                sandbox.TimeoutSec = timeoutSec;
                sandbox.LastActiveAt = DateTimeOffset.UtcNow;
                await records.WriteAsync(sandbox, CancellationToken.None).ConfigureAwait(false);
                var recorded = Stopwatch.GetTimestamp();
                logger.SandboxResumed(sandboxId, Stopwatch.GetElapsedTime(started, recorded).TotalMilliseconds, Stopwatch.GetElapsedTime(started, thawed).TotalMilliseconds, Stopwatch.GetElapsedTime(thawed, recorded).TotalMilliseconds);
                return sandbox;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>See <see cref="SandboxTemplates.CreateSnapshotAsync"/>.</summary>
    public Task<TemplateManifest> CreateSnapshotAsync(string sandboxId, string name, string? teamName, CancellationToken cancellationToken) =>
        snapshots.CreateSnapshotAsync(sandboxId, name, teamName, cancellationToken);

    /// <summary>Removes a template that no sandbox here stands on; its pooled sandboxes go first.</summary>
    public async Task DeleteSnapshotAsync(string name, CancellationToken cancellationToken)
    {
        await pool.DrainAsync(name, cancellationToken).ConfigureAwait(false);
        await snapshots.DeleteAsync(name).ConfigureAwait(false);
    }

    /// <summary>Resets the inactivity timer.</summary>
    public void Ping(string sandboxId)
    {
        var sandbox = table.Get(sandboxId);
        if (sandbox.State is not (SandboxState.Running or SandboxState.Paused))
        {
            throw new SandboxConflictException($"sandbox {sandboxId} is {Describe(sandbox.State)}");
        }

        sandbox.LastActiveAt = DateTimeOffset.UtcNow;
    }

    /// <summary>Resets the sandbox's inactivity timer (activity in a call that is still going on).</summary>
    public void Touch(Sandbox sandbox) => sandbox.LastActiveAt = DateTimeOffset.UtcNow;

    /// <summary>The running sandbox, with its inactivity timer reset: what every exec and file call starts with.</summary>
    public Sandbox GetRunningAndTouch(string sandboxId)
    {
        var sandbox = table.Get(sandboxId);
        if (sandbox.State != SandboxState.Running)
        {
            throw new SandboxConflictException($"sandbox {sandboxId} is {Describe(sandbox.State)}, not running");
        }

        sandbox.LastActiveAt = DateTimeOffset.UtcNow;
        return sandbox;
    }

    /// <summary>CPU, memory and disk the sandbox uses now.</summary>
    public async Task<(RuntimeUsage Usage, long DiskUsedBytes)> GetUsageAsync(string sandboxId, CancellationToken cancellationToken)
    {
        var sandbox = table.Get(sandboxId);
        var usage = await runtime.GetUsageAsync(sandbox.Runtime!, cancellationToken).ConfigureAwait(false);
        return (usage, OverlayRootfs.UsedBytes(sandbox.Directory));
    }

    /// <summary>Sandboxes past their inactivity timeout, for the reaper.</summary>
    public IReadOnlyList<Sandbox> Idle(DateTimeOffset now) => table.Idle(now);

    /// <summary>The sandbox, or <see cref="SandboxNotFoundException"/>.</summary>
    public Sandbox Get(string sandboxId) => table.Get(sandboxId);

    internal static string Describe(SandboxState state) => state.ToString().ToLowerInvariant();

    /// <summary>Destroys every sandbox, pooled ones included (agent shutdown); logs what could not be removed.</summary>
    public async Task DestroyAllAsync(CancellationToken cancellationToken)
    {
        await pool.DestroyAllAsync(cancellationToken).ConfigureAwait(false);
        foreach (var sandbox in List())
        {
            if (sandbox.State == SandboxState.Starting)
            {
                // Its create call still runs and will roll itself back when the host stops it.
                continue;
            }

            using var scope = logger.BeginSandboxScope(sandbox.Id);
            try
            {
                await DestroyAsync(sandbox.Id, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                logger.ShutdownDestroyFailed(ex, sandbox.Id);
            }
        }

        if (table.IsEmpty)
        {
            await runtime.ReleaseHostResourcesAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>See <see cref="SandboxRecovery"/>.</summary>
    public Task RecoverAsync(CancellationToken cancellationToken) => recovery.RecoverAsync(cancellationToken);

    private string SandboxesDirectory => records.SandboxesDirectory;

    /// <summary>
    /// A VM paused to disk needs no network: its namespace, TAP, veth and rules go, and its slot is free
    /// for others. If that fails the sandbox keeps the slot (destroy removes it later); the pause stands.
    /// </summary>
    private async Task ReleaseSlotAsync(Sandbox sandbox)
    {
        if (sandbox.Slot is not { } slot)
        {
            return;
        }

        var errors = await network.RemoveAsync(slot, CancellationToken.None).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            logger.PausedKeepsSlot(new AggregateException(errors), sandbox.Id, slot.Index);
            return;
        }

        sandbox.Slot = null;
        sandbox.Runtime = sandbox.Runtime! with { Network = RuntimeNetwork.Detached };
    }
}
