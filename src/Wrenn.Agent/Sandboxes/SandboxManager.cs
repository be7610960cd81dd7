using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Envd;
using Wrenn.Agent.Network;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Storage;
using Wrenn.Agent.Storage.Ownership;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// Owns every sandbox on this host: ids, network slots, storage, envd, and the runtime that runs them.
/// Its in-memory table is the truth for what runs here.
/// </summary>
public sealed class SandboxManager(
    IRuntime runtime,
    SandboxNetworkManager network,
    TemplateStore templates,
    IdShiftedLayers shiftedLayers,
    BaseVmSnapshots baseSnapshots,
    SandboxDisk disk,
    EnvdClient envd,
    SandboxRequestValidator validator,
    NameserverResolver nameservers,
    IStepFaults faults,
    IOptions<AgentOptions> agentOptions,
    IOptions<SandboxManagerOptions> options,
    ILogger<SandboxManager> logger)
{
    /// <summary>
    /// Beside a VM template's or base snapshot's memory: the token its envd holds, with which the agent
    /// gives each sandbox restored from it a token of its own.
    /// </summary>
    private const string EnvdTokenFileName = "envd-token";

    private readonly ConcurrentDictionary<string, Sandbox> _sandboxes = new(StringComparer.Ordinal);

    public string RuntimeName => runtime.Name;

    /// <summary>A snapshot of the table.</summary>
    public IReadOnlyList<Sandbox> List() => [.. _sandboxes.Values.OrderBy(s => s.StartedAt)];

    /// <summary>
    /// Creates and starts a sandbox and waits until its envd answers. On any failure everything done so
    /// far is undone and the exception propagates. A second create for a running sandbox returns it.
    /// </summary>
    public async Task<Sandbox> CreateAsync(CreateSandboxSpec spec, CancellationToken cancellationToken)
    {
        validator.ValidateCreate(spec);
        if (runtime.Capabilities.Refusal is { } refusal)
        {
            throw new RuntimeUnavailableException(refusal);
        }

        var layerSources = templates.ResolveLayerSources(spec.Template);
        var memoryTemplate = MemoryTemplateFor(spec);
        string? captureBase = null;
        if (memoryTemplate is null && runtime.Capabilities.MemorySnapshots && options.Value.PrebuiltVmSnapshots && layerSources.Count == 1)
        {
            // A VM from a base image: restore a snapshot of one freshly booted, or boot and take that snapshot.
            var key = baseSnapshots.KeyFor(spec.Template, spec.Vcpus, spec.MemoryMb, runtime.BootIdentity());
            memoryTemplate = baseSnapshots.Find(key);
            captureBase = memoryTemplate is null ? key : null;
        }

        var sandbox = new Sandbox(spec, Path.Combine(agentOptions.Value.SandboxesDir, spec.SandboxId));

        // envd starts with this token (a restored VM's envd still holds the one it was saved with);
        // /init then gives it the sandbox's own, which no guest user ever sees.
        var startToken = memoryTemplate is not null && await ReadEnvdTokenAsync(memoryTemplate, cancellationToken).ConfigureAwait(false) is { } saved ? saved : NewEnvdToken();
        var existing = _sandboxes.GetOrAdd(spec.SandboxId, sandbox);
        if (!ReferenceEquals(existing, sandbox))
        {
            return existing.State == SandboxState.Running
                ? existing
                : throw new SandboxConflictException($"sandbox {spec.SandboxId} already exists and is {Describe(existing.State)}");
        }

        var started = Stopwatch.GetTimestamp();
        var rollback = new RollbackList("create " + spec.SandboxId, logger, faults);
        try
        {
            await rollback.StepAsync(
                "sandbox.directory",
                _ =>
                {
                    Directory.CreateDirectory(sandbox.Directory);
                    if (runtime.Capabilities.UserNamespace is not null)
                    {
                        SandboxRootAccess.LetTraverse(agentOptions.Value.WrennDir, agentOptions.Value.SandboxesDir);
                    }

                    SandboxRootAccess.CloseSandboxDirectory(sandbox.Directory, runtime.Capabilities.UserNamespace);

                    return Task.CompletedTask;
                },
                _ =>
                {
                    DeleteDirectory(sandbox.Directory);
                    return Task.CompletedTask;
                },
                cancellationToken).ConfigureAwait(false);

            // The disk's mkfs and the network's ip/iptables calls are independent: run them side by side.
            var hostRootfs = runtime.Capabilities.HostRootfs;
            var formatting = hostRootfs ? disk.FormatAsync(sandbox.Directory, cancellationToken) : Task.CompletedTask;
            try
            {
                sandbox.Slot = await network.CreateAsync(rollback, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // Never let the rollback delete the directory under a running mkfs.
                await formatting.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
            }

            await formatting.ConfigureAwait(false);
            IReadOnlyList<string> layers = [.. layerSources.Select(l => l.Directory)];
            var rootfs = OverlayRootfs.MountPoint(sandbox.Directory);
            if (hostRootfs)
            {
                await disk.MountAsync(sandbox.Directory, rollback, cancellationToken).ConfigureAwait(false);

                // Under a user namespace the layers must be owned by the sandbox's ids (copied once per image).
                var owners = runtime.Capabilities.FileOwners;
                layers = await shiftedLayers.ResolveAsync(layerSources, owners, cancellationToken).ConfigureAwait(false);
                rootfs = await OverlayRootfs.MountAsync(layers, owners, sandbox.Directory, rollback, cancellationToken).ConfigureAwait(false);
            }
            sandbox.Runtime = new RuntimeSandbox(
                spec.SandboxId,
                sandbox.Directory,
                rootfs,
                NetworkOf(sandbox.Slot, nameservers.Resolve()),
                spec.Vcpus,
                spec.MemoryMb,
                spec.Environment,
                layers,
                memoryTemplate,
                startToken);

            await rollback.StepAsync(
                "sandbox.record",
                ct => WriteRecordAsync(sandbox, ct),
                _ => Task.CompletedTask,
                cancellationToken).ConfigureAwait(false);

            await runtime.StartAsync(sandbox.Runtime, rollback, cancellationToken).ConfigureAwait(false);

            await rollback.StepAsync(
                "envd.ready",
                ct => WaitForEnvdAsync(sandbox, sandbox.Runtime, ct),
                _ => Task.CompletedTask,
                cancellationToken).ConfigureAwait(false);

            // From here on only holders of the token (this agent) can use the sandbox's envd.
            if (captureBase is not null)
            {
                // Booted, envd up, nothing of the user's given to it yet: what every sandbox of this kind starts as.
                if (await baseSnapshots.CaptureAsync(
                    captureBase,
                    async (directory, ct) =>
                    {
                        await runtime.WriteTemplateAsync(sandbox.Runtime, directory, ct).ConfigureAwait(false);
                        await WriteEnvdTokenAsync(directory, startToken, ct).ConfigureAwait(false);
                    },
                    cancellationToken).ConfigureAwait(false))
                {
                    baseSnapshots.RemoveStale(spec.Template, captureBase, MemoryTemplatesInUse());
                }
            }

            // The sandbox's own token, never its template's: a VM restored from memory holds the token its
            // template was saved with (every sandbox from that template would share it), so /init, with
            // that one as the current token, replaces it before anything else can use it.
            var token = NewEnvdToken();
            await rollback.StepAsync(
                "envd.init",
                async ct => sandbox.EnvdVersion = await envd.InitAsync(sandbox.EnvdUri!, startToken, token, spec.Environment, options.Value.DefaultUser, ct).ConfigureAwait(false),
                _ => Task.CompletedTask,
                cancellationToken).ConfigureAwait(false);
            sandbox.EnvdAccessToken = token;
            if (memoryTemplate is not null)
            {
                await NameRestoredGuestAsync(sandbox, cancellationToken).ConfigureAwait(false);
            }

            sandbox.StartedAt = DateTimeOffset.UtcNow;
            sandbox.State = SandboxState.Running;

            // From here a restarted agent can adopt it: the record says how to reach its envd.
            await rollback.StepAsync(
                "sandbox.adoptable",
                ct => WriteRecordAsync(sandbox, ct),
                _ => Task.CompletedTask,
                cancellationToken).ConfigureAwait(false);

            rollback.Commit();
            logger.LogInformation(
                "Sandbox {SandboxId} running ({Runtime}, slot {Slot}) in {ElapsedMs:F0} ms",
                spec.SandboxId,
                runtime.Name,
                sandbox.Slot.Index,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return sandbox;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Creating sandbox {SandboxId} failed; rolling back", spec.SandboxId);
            var undoErrors = await rollback.RollbackAsync().ConfigureAwait(false);
            _sandboxes.TryRemove(new KeyValuePair<string, Sandbox>(spec.SandboxId, sandbox));
            if (undoErrors.Count > 0)
            {
                throw new RollbackFailedException(rollback.Operation, ex, undoErrors);
            }

            throw;
        }
    }

    /// <summary>
    /// Stops the sandbox and frees everything it held. When some step fails the sandbox stays in the
    /// table in the error state so that destroy can be retried, and the errors are thrown together.
    /// </summary>
    public async Task DestroyAsync(string sandboxId, CancellationToken cancellationToken)
    {
        var sandbox = Get(sandboxId);
        if (sandbox.State == SandboxState.Starting)
        {
            throw new SandboxConflictException($"sandbox {sandboxId} is still starting");
        }

        await sandbox.Transition.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            sandbox.State = SandboxState.Stopping;
            var errors = await TearDownAsync(sandbox, cancellationToken).ConfigureAwait(false);
            if (errors.Count > 0)
            {
                sandbox.State = SandboxState.Error;
                throw new AggregateException($"destroying sandbox {sandboxId} left {errors.Count} error(s)", errors);
            }

            _sandboxes.TryRemove(sandboxId, out _);
            logger.LogInformation("Sandbox {SandboxId} destroyed", sandboxId);
        }
        finally
        {
            sandbox.Transition.Release();
        }
    }

    /// <summary>
    /// Pauses a running sandbox. If the runtime fails half-way the sandbox is resumed, so it is never
    /// left frozen while reported running; when even that fails it is marked error.
    /// </summary>
    public async Task<Sandbox> PauseAsync(string sandboxId, bool automatic, CancellationToken cancellationToken)
    {
        var sandbox = Get(sandboxId);
        await sandbox.Transition.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
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
                logger.LogError(ex, "Pausing {SandboxId} failed; resuming it", sandboxId);
                sandbox.State = await ThawOrMarkErrorAsync(sandbox).ConfigureAwait(false);
                throw;
            }

            sandbox.State = SandboxState.Paused;
            sandbox.AutoPaused = automatic;
            if (runtime.Capabilities.MemorySnapshots)
            {
                await ReleaseSlotAsync(sandbox).ConfigureAwait(false);
            }

            await WriteRecordAsync(sandbox, CancellationToken.None).ConfigureAwait(false);
            logger.LogInformation("Sandbox {SandboxId} paused{Why} in {ElapsedMs:F1} ms", sandboxId, automatic ? " (inactive)" : string.Empty, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return sandbox;
        }
        finally
        {
            sandbox.Transition.Release();
        }
    }

    /// <summary>Resumes a paused sandbox; <paramref name="timeoutSec"/> replaces its inactivity timeout.</summary>
    public async Task<Sandbox> ResumeAsync(string sandboxId, uint timeoutSec, CancellationToken cancellationToken)
    {
        var sandbox = Get(sandboxId);
        await sandbox.Transition.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (sandbox.State != SandboxState.Paused)
            {
                throw new SandboxConflictException($"sandbox {sandboxId} is {Describe(sandbox.State)}, not paused");
            }

            var started = Stopwatch.GetTimestamp();
            sandbox.State = SandboxState.Resuming;
            await using var rollback = new RollbackList("resume " + sandboxId, logger, faults);
            var movedSlot = false;
            try
            {
                if (sandbox.Slot is null)
                {
                    // Paused to disk, it gave its slot back; any free one will do (every guest has the same address).
                    var slot = await network.CreateAsync(rollback, cancellationToken).ConfigureAwait(false);
                    sandbox.Slot = slot;
                    sandbox.Runtime = sandbox.Runtime! with { Network = NetworkOf(slot, nameservers.Resolve()) };
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
                await SyncGuestClockAsync(sandbox, cancellationToken).ConfigureAwait(false);
            }

            sandbox.State = SandboxState.Running;
            sandbox.AutoPaused = false;
            sandbox.TimeoutSec = timeoutSec;
            sandbox.LastActiveAt = DateTimeOffset.UtcNow;
            await WriteRecordAsync(sandbox, CancellationToken.None).ConfigureAwait(false);
            logger.LogInformation("Sandbox {SandboxId} resumed in {ElapsedMs:F1} ms", sandboxId, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return sandbox;
        }
        finally
        {
            sandbox.Transition.Release();
        }
    }

    /// <summary>
    /// Makes template <paramref name="name"/> (a template id: the control plane keeps the team's name,
    /// <paramref name="teamName"/>, for it) of a running or paused sandbox's files. A running sandbox
    /// is frozen while its layer is copied, so the template is one moment of it, and thawed after.
    /// The sandbox ends as it was; if it cannot be thawed it is in error, never reported running.
    /// </summary>
    public async Task<TemplateManifest> CreateSnapshotAsync(string sandboxId, string name, string? teamName, CancellationToken cancellationToken)
    {
        TemplateStore.RequireId(name);
        if (!string.IsNullOrEmpty(teamName))
        {
            templates.RequireNotAnImage(teamName);
        }

        var sandbox = Get(sandboxId);
        await sandbox.Transition.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (sandbox.State is not (SandboxState.Running or SandboxState.Paused))
            {
                throw new SandboxConflictException($"sandbox {sandboxId} is {Describe(sandbox.State)}, not running or paused");
            }

            var started = Stopwatch.GetTimestamp();
            var freeze = sandbox.State == SandboxState.Running && !runtime.Capabilities.MemorySnapshots;
            if (freeze)
            {
                await runtime.PauseAsync(sandbox.Runtime!, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                if (runtime.Capabilities.MemorySnapshots)
                {
                    // The runtime stops the VM for the copy itself; its processes are part of the template.
                    return await templates.CreateFromMemoryAsync(
                        name,
                        sandbox.Spec.Template,
                        sandboxId,
                        sandbox.Spec.Vcpus,
                        sandbox.Spec.MemoryMb,
                        async (directory, ct) =>
                        {
                            await runtime.WriteTemplateAsync(sandbox.Runtime!, directory, ct).ConfigureAwait(false);
                            await WriteEnvdTokenAsync(directory, sandbox.EnvdAccessToken!, ct).ConfigureAwait(false);
                        },
                        cancellationToken).ConfigureAwait(false);
                }

                return await templates.CreateAsync(
                    name,
                    sandbox.Spec.Template,
                    sandboxId,
                    OverlayRootfs.UpperDirectory(sandbox.Directory),
                    sandbox.Spec.Vcpus,
                    sandbox.Spec.MemoryMb,
                    runtime.Capabilities.FileOwners,
                    cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (freeze)
                {
                    sandbox.State = await ThawOrMarkErrorAsync(sandbox).ConfigureAwait(false);
                }

                logger.LogInformation("Snapshot of {SandboxId} as {Template} took {ElapsedMs:F0} ms", sandboxId, name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        finally
        {
            sandbox.Transition.Release();
        }
    }

    private HashSet<string> MemoryTemplatesInUse() =>
        [.. _sandboxes.Values.Select(s => s.Runtime?.MemoryTemplate).OfType<string>()];

    /// <summary>
    /// A VM restored from memory still has the hostname of the one the memory was taken from; it gets
    /// its own (as a container's is its id). Cosmetic, so a failure is logged, not thrown.
    /// </summary>
    private async Task NameRestoredGuestAsync(Sandbox sandbox, CancellationToken cancellationToken)
    {
        var config = new ProcessConfig { Cmd = "/bin/sh" };
        config.Args.Add(["-c", "hostname \"$0\" && echo \"$0\" > /etc/hostname && printf '127.0.0.1\\tlocalhost\\n::1\\tlocalhost ip6-localhost ip6-loopback\\n127.0.1.1\\t%s\\n' \"$0\" > /etc/hosts", sandbox.Id]);
        try
        {
            ProcessEvent.Types.EndEvent? end = null;
            await foreach (var processEvent in envd.StartProcessAsync(sandbox.Envd, new StartRequest { Process = config }, "root", TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false))
            {
                end = processEvent.EventCase == ProcessEvent.EventOneofCase.End ? processEvent.End : end;
            }

            if (end is not { ExitCode: 0 })
            {
                logger.LogWarning("Naming restored sandbox {SandboxId} failed: {Status}", sandbox.Id, end?.Status ?? "no end event");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Naming restored sandbox {SandboxId} failed", sandbox.Id);
        }
    }

    private static RuntimeNetwork NetworkOf(SlotAddresses slot, IReadOnlyList<System.Net.IPAddress> nameservers) =>
        new(slot.NamespacePath, slot.SandboxAddress, slot.HostAddress, SlotAddresses.PrefixLength, nameservers);

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
            logger.LogWarning(new AggregateException(errors), "Sandbox {SandboxId} is paused but keeps slot {Slot}: releasing it failed", sandbox.Id, slot.Index);
            return;
        }

        sandbox.Slot = null;
        sandbox.Runtime = sandbox.Runtime! with { Network = RuntimeNetwork.Detached };
    }

    /// <summary>
    /// The VM template a sandbox restores from, or null when it boots (or is a container). Its vcpus
    /// and memory are those of the template: the saved machine has exactly those.
    /// </summary>
    private string? MemoryTemplateFor(CreateSandboxSpec spec)
    {
        if (templates.MemoryTemplateDirectory(spec.Template) is not { } directory)
        {
            return null;
        }

        var template = templates.Find(spec.Template)!;
        if (!runtime.Capabilities.MemorySnapshots)
        {
            throw new ArgumentException($"template '{spec.Template}' holds a VM's memory; the {runtime.Name} runtime cannot run it");
        }

        if (template.Vcpus != spec.Vcpus || template.MemoryMb != spec.MemoryMb)
        {
            throw new ArgumentException($"template '{spec.Template}' is a VM with {template.Vcpus} vcpu(s) and {template.MemoryMb} MiB; sandboxes from it get exactly that, not {spec.Vcpus} and {spec.MemoryMb}");
        }

        return directory;
    }

    /// <summary>
    /// A VM's clock stood still while its memory was on disk; envd sets it from the timestamp /init
    /// carries. A failure only costs a late clock, so it is logged, not thrown.
    /// </summary>
    private async Task SyncGuestClockAsync(Sandbox sandbox, CancellationToken cancellationToken)
    {
        try
        {
            await WaitForEnvdAsync(sandbox, sandbox.Runtime!, cancellationToken).ConfigureAwait(false);
            sandbox.EnvdVersion = await envd.InitAsync(sandbox.EnvdUri!, sandbox.EnvdAccessToken!, sandbox.EnvdAccessToken!, sandbox.Spec.Environment, options.Value.DefaultUser, cancellationToken).ConfigureAwait(false)
                ?? sandbox.EnvdVersion;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not set the clock of {SandboxId} after resuming it", sandbox.Id);
        }
    }

    /// <summary>Removes a template that no sandbox here stands on.</summary>
    public void DeleteSnapshot(string name)
    {
        var users = _sandboxes.Values.Where(s => s.Spec.Template == name).Select(s => s.Id).ToList();
        templates.Delete(name, users);
    }

    /// <summary>Resets the inactivity timer.</summary>
    public void Ping(string sandboxId)
    {
        var sandbox = Get(sandboxId);
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
        var sandbox = Get(sandboxId);
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
        var sandbox = Get(sandboxId);
        var usage = await runtime.GetUsageAsync(sandbox.Runtime!, cancellationToken).ConfigureAwait(false);
        return (usage, OverlayRootfs.UsedBytes(sandbox.Directory));
    }

    /// <summary>Sandboxes past their inactivity timeout, for the reaper.</summary>
    public IReadOnlyList<Sandbox> Idle(DateTimeOffset now) =>
        [.. _sandboxes.Values.Where(s => s.State == SandboxState.Running && s.TimeoutSec > 0 && now - s.LastActiveAt >= TimeSpan.FromSeconds(s.TimeoutSec))];

    private async Task<SandboxState> ThawOrMarkErrorAsync(Sandbox sandbox)
    {
        try
        {
            using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await runtime.ResumeAsync(sandbox.Runtime!, budget.Token).ConfigureAwait(false);
            return SandboxState.Running;
        }
        catch (Exception ex) when (runtime.Capabilities.MemorySnapshots)
        {
            // A VM that stays stopped holds its memory and answers nobody: it is removed, never left to look alive.
            logger.LogError(ex, "Sandbox {SandboxId} could not be continued; destroying it", sandbox.Id);
            using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var errors = await TearDownAsync(sandbox, budget.Token).ConfigureAwait(false);
            if (errors.Count == 0)
            {
                _sandboxes.TryRemove(sandbox.Id, out _);
            }
            else
            {
                logger.LogError(new AggregateException(errors), "Sandbox {SandboxId} could not be fully destroyed; it is in error", sandbox.Id);
            }

            return SandboxState.Error;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Sandbox {SandboxId} could not be thawed; it is in error", sandbox.Id);
            return SandboxState.Error;
        }
    }

    private static string Describe(SandboxState state) => state.ToString().ToLowerInvariant();

    /// <summary>Destroys every sandbox (agent shutdown); logs what could not be removed.</summary>
    public async Task DestroyAllAsync(CancellationToken cancellationToken)
    {
        await DestroyEachAsync(cancellationToken).ConfigureAwait(false);
        if (_sandboxes.IsEmpty)
        {
            await runtime.ReleaseHostResourcesAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DestroyEachAsync(CancellationToken cancellationToken)
    {
        foreach (var sandbox in List())
        {
            if (sandbox.State == SandboxState.Starting)
            {
                // Its create call still runs and will roll itself back when the host stops it.
                continue;
            }

            try
            {
                await DestroyAsync(sandbox.Id, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Could not destroy sandbox {SandboxId} on shutdown", sandbox.Id);
            }
        }
    }

    /// <summary>
    /// At start, goes through what earlier runs of the agent left in $WRENN_DIR/sandboxes: a sandbox
    /// that still exists (running or paused) and whose envd answers is adopted as it is (same id,
    /// address and processes); anything else (a container that died, a half-made sandbox, a record
    /// without an envd token) is removed, with its network, rules, mounts and directory.
    /// </summary>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var root = agentOptions.Value.SandboxesDir;
        foreach (var directory in Directory.Exists(root) ? Directory.EnumerateDirectories(root) : [])
        {
            var id = Path.GetFileName(directory);
            if (_sandboxes.ContainsKey(id))
            {
                continue;
            }

            var record = await ReadRecordAsync(directory, cancellationToken).ConfigureAwait(false);
            var sandbox = new Sandbox(
                new CreateSandboxSpec(id, record?.Template ?? string.Empty, record?.Vcpus ?? 1, record?.MemoryMb ?? 0, record?.TimeoutSec ?? 0, new Dictionary<string, string>(), record?.TeamId),
                directory);
            if (record?.SlotIndex is { } slotIndex)
            {
                sandbox.Slot = network.Reserve(slotIndex);
            }

            sandbox.Runtime = new RuntimeSandbox(
                id,
                directory,
                OverlayRootfs.MountPoint(directory),
                sandbox.Slot is { } slot ? NetworkOf(slot, []) : RuntimeNetwork.Detached,
                sandbox.Spec.Vcpus,
                sandbox.Spec.MemoryMb,
                sandbox.Spec.Environment);

            if (record is { EnvdAccessToken: { } token } && record.Runtime == runtime.Name
                && await TryAdoptAsync(sandbox, record, token, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            var errors = await TearDownAsync(sandbox, cancellationToken).ConfigureAwait(false);
            if (errors.Count == 0)
            {
                logger.LogWarning("Removed sandbox {SandboxId} left over from an earlier run (it was not running any more)", id);
            }
            else
            {
                logger.LogError(new AggregateException(errors), "Could not fully remove left-over sandbox {SandboxId}", id);
            }
        }

        // What an agent that died left for the host as a whole (a VM cgroup whose sandbox is gone):
        // nothing is served yet, and whatever is in use stays.
        await runtime.ReleaseHostResourcesAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> TryAdoptAsync(Sandbox sandbox, SandboxRecord record, string token, CancellationToken cancellationToken)
    {
        if (!await runtime.ExistsAsync(sandbox.Runtime!, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        sandbox.EnvdAccessToken = token;
        sandbox.EnvdVersion = record.EnvdVersion;
        sandbox.StartedAt = record.StartedAt;
        sandbox.TimeoutSec = record.TimeoutSec;
        sandbox.State = record.Paused ? SandboxState.Paused : SandboxState.Running;
        if (!record.Paused)
        {
            try
            {
                // Alive is not enough: its envd must answer, or nobody can use it.
                sandbox.EnvdVersion = await envd.WaitUntilHealthyAsync(sandbox.EnvdUri!, TimeSpan.FromSeconds(5), probe => runtime.IsRunningAsync(sandbox.Runtime!, probe), cancellationToken).ConfigureAwait(false)
                    ?? sandbox.EnvdVersion;
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or HttpRequestException)
            {
                logger.LogWarning(ex, "Sandbox {SandboxId} still exists but its envd does not answer; removing it", sandbox.Id);
                return false;
            }
        }

        _sandboxes[sandbox.Id] = sandbox;
        logger.LogInformation("Adopted sandbox {SandboxId} ({State}, slot {Slot}) from an earlier run", sandbox.Id, sandbox.State, sandbox.Slot?.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none: paused to disk");
        return true;
    }

    private async Task WaitForEnvdAsync(Sandbox sandbox, RuntimeSandbox runtimeSandbox, CancellationToken cancellationToken)
    {
        try
        {
            await envd.WaitUntilHealthyAsync(
                sandbox.EnvdUri!,
                options.Value.EnvdReadyTimeout,
                probe => runtime.IsRunningAsync(runtimeSandbox, probe),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            // What init and envd printed is usually the whole explanation.
            throw new InvalidOperationException($"{ex.Message}; sandbox console:\n{runtime.ReadConsoleTail(runtimeSandbox)}", ex);
        }
    }

    /// <summary>The sandbox, or <see cref="SandboxNotFoundException"/>.</summary>
    public Sandbox Get(string sandboxId) =>
        _sandboxes.TryGetValue(sandboxId, out var sandbox) ? sandbox : throw new SandboxNotFoundException(sandboxId);

    private async Task<List<Exception>> TearDownAsync(Sandbox sandbox, CancellationToken cancellationToken)
    {
        var errors = new List<Exception>();
        if (sandbox.Runtime is { } runtimeSandbox)
        {
            errors.AddRange(await runtime.StopAsync(runtimeSandbox, cancellationToken).ConfigureAwait(false));
        }

        try
        {
            OverlayRootfs.Unmount(sandbox.Directory);
            SandboxDisk.Unmount(sandbox.Directory);
        }
        catch (Exception ex)
        {
            errors.Add(ex);
        }

        if (sandbox.Slot is { } slot)
        {
            errors.AddRange(await network.RemoveAsync(slot, cancellationToken).ConfigureAwait(false));
        }

        if (errors.Count == 0)
        {
            try
            {
                DeleteDirectory(sandbox.Directory);
            }
            catch (Exception ex)
            {
                errors.Add(ex);
            }
        }

        return errors;
    }

    private async Task WriteRecordAsync(Sandbox sandbox, CancellationToken cancellationToken)
    {
        var record = new SandboxRecord(
            sandbox.Id,
            sandbox.Spec.Template,
            runtime.Name,
            sandbox.Slot?.Index,
            sandbox.Spec.Vcpus,
            sandbox.Spec.MemoryMb,
            sandbox.TimeoutSec,
            sandbox.StartedAt,
            sandbox.State == SandboxState.Paused,
            sandbox.EnvdAccessToken,
            sandbox.Spec.TeamId,
            sandbox.EnvdVersion);

        // Written aside and renamed over: a crash mid-write must not leave a record that cannot be read.
        var path = Path.Combine(sandbox.Directory, SandboxRecord.FileName);
        var temporary = path + ".tmp";
        var owner = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        await using (var file = new FileStream(temporary, owner))
        {
            await JsonSerializer.SerializeAsync(file, record, AgentJsonContext.Default.SandboxRecord, cancellationToken).ConfigureAwait(false);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static string NewEnvdToken() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>The envd token saved beside a VM's memory; null for one saved before envd started with a token.</summary>
    private static async Task<string?> ReadEnvdTokenAsync(string memoryDirectory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(memoryDirectory, EnvdTokenFileName);
        return File.Exists(path) ? (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim() : null;
    }

    /// <summary>Writes the envd token beside a VM's memory, readable by the agent alone.</summary>
    private static async Task WriteEnvdTokenAsync(string memoryDirectory, string token, CancellationToken cancellationToken)
    {
        var owner = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        await using var file = new FileStream(Path.Combine(memoryDirectory, EnvdTokenFileName), owner);
        await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(token), cancellationToken).ConfigureAwait(false);
    }

    private async Task<SandboxRecord?> ReadRecordAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, SandboxRecord.FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            await using var file = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync(file, AgentJsonContext.Default.SandboxRecord, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            logger.LogWarning(ex, "Unreadable {Path}", path);
            return null;
        }
    }

    private static void DeleteDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        // Never recurse into a live mount: that would delete the image or another sandbox's files.
        foreach (var mountPoint in new[] { OverlayRootfs.MountPoint(directory), SandboxDisk.MountPoint(directory) })
        {
            if (Os.Mounts.IsMountPoint(mountPoint))
            {
                throw new IOException($"{mountPoint} is still mounted; not deleting {directory}");
            }
        }

        Directory.Delete(directory, recursive: true);
    }
}
