using System.Diagnostics;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Envd;
using Wrenn.Agent.Network;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Storage;
using Wrenn.Agent.Storage.Ownership;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// Makes one sandbox, step by step, up to a running guest whose envd holds the sandbox's own token:
/// what a cold create and a warm-pool refill both do. On any failure everything done so far is undone.
/// </summary>
public sealed class SandboxStarter(
    IRuntime runtime,
    ISandboxNetwork network,
    ISandboxDisk disk,
    TemplateStore templates,
    IdShiftedLayers shiftedLayers,
    BaseVmSnapshots baseSnapshots,
    ISandboxEnvd envd,
    NameserverResolver nameservers,
    SandboxRecordStore records,
    GuestSetup guest,
    SandboxTable table,
    Pool.CreatesInFlight creates,
    IStepFaults faults,
    IOptions<AgentOptions> agentOptions,
    IOptions<SandboxManagerOptions> options,
    ILogger<SandboxStarter> logger)
{
    public static RuntimeNetwork NetworkOf(SlotAddresses slot, IReadOnlyList<System.Net.IPAddress> nameservers) =>
        new(slot.NamespacePath, slot.SandboxAddress, slot.HostAddress, SlotAddresses.PrefixLength, nameservers);

    /// <summary>
    /// Starts <paramref name="sandbox"/> (state Starting, not yet anywhere else). <paramref name="pooled"/>:
    /// made for the warm pool, so its record says so and a restarted agent removes it. With
    /// <paramref name="arrival"/> the sandbox comes from another host: its files fill the upper layer, its envd
    /// gets its old token, and it ends paused (a restarted agent adopts it paused), not running.
    /// </summary>
    public async Task StartAsync(Sandbox sandbox, bool pooled, CancellationToken cancellationToken, SandboxArrival? arrival = null)
    {
        if (pooled)
        {
            await StartStepsAsync(sandbox, pooled, arrival, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Prepared slots and disks refill once it is done (or rolled back), not beside its runtime.
        creates.Begin();
        try
        {
            await StartStepsAsync(sandbox, pooled, arrival, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            creates.End();
        }
    }

    private async Task StartStepsAsync(Sandbox sandbox, bool pooled, SandboxArrival? arrival, CancellationToken cancellationToken)
    {
        var spec = sandbox.Spec;
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

        // envd starts with this token (a restored VM's envd still holds the one it was saved with);
        // /init then gives it the sandbox's own, which no guest user ever sees.
        var startToken = memoryTemplate is not null && await SandboxRecordStore.ReadEnvdTokenAsync(memoryTemplate, cancellationToken).ConfigureAwait(false) is { } saved ? saved : SandboxRecordStore.NewEnvdToken();
        var started = Stopwatch.GetTimestamp();
        var rollback = new RollbackList((pooled ? "fill pool " : "create ") + sandbox.Id, logger, faults);
        try
        {
            // Where the root filesystem is on the host, the directory is best a prepared disk's: formatted and mounted.
            var hostRootfs = runtime.Capabilities.HostRootfs;
            var preparedDisk = false;
            var preparedVm = false;
            await rollback.StepAsync(
                "sandbox.directory",
                async ct =>
                {
                    preparedDisk = hostRootfs && disk.TryTakePrepared(sandbox.Directory);
                    preparedVm = !hostRootfs && memoryTemplate is not null && await runtime.TryTakePreparedAsync(memoryTemplate, spec.Vcpus, spec.MemoryMb, sandbox.Directory, ct).ConfigureAwait(false);
                    if (!preparedDisk && !preparedVm)
                    {
                        Directory.CreateDirectory(sandbox.Directory);
                    }

                    if (runtime.Capabilities.UserNamespace is not null)
                    {
                        SandboxRootAccess.LetTraverse(agentOptions.Value.WrennDir, agentOptions.Value.SandboxesDir);
                    }

                    SandboxRootAccess.CloseSandboxDirectory(sandbox.Directory, runtime.Capabilities.UserNamespace);
                },
                async ct =>
                {
                    if (preparedDisk)
                    {
                        // Until storage.disk owns it, the prepared disk's mount is this step's to undo; what came with the
                        // disk and the runtime did not take (the console's rotator) ends here in any case.
                        disk.ReleasePrepared(sandbox.Directory);
                        SandboxDisk.Unmount(sandbox.Directory);
                    }

                    if (preparedVm)
                    {
                        // The prepared VM's process runs from here until the runtime's start owns it.
                        var errors = await runtime.StopAsync(new RuntimeSandbox(sandbox.RuntimeId, sandbox.Directory, string.Empty, RuntimeNetwork.Detached, spec.Vcpus, spec.MemoryMb, spec.Environment), ct).ConfigureAwait(false);
                        if (errors.Count > 0)
                        {
                            throw new AggregateException(errors);
                        }
                    }

                    SandboxTeardown.DeleteDirectory(sandbox.Directory);
                },
                cancellationToken).ConfigureAwait(false);

            // The disk's mkfs and the network's ip/iptables calls are independent: run them side by side.
            var formatting = hostRootfs && !preparedDisk ? disk.FormatAsync(sandbox.Directory, cancellationToken) : Task.CompletedTask;
            try
            {
                sandbox.Slot = await network.CreateAsync(rollback, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // Never let the rollback delete the directory under a running mkfs.
                await formatting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            await formatting.ConfigureAwait(false);
            IReadOnlyList<string> layers = [.. layerSources.Select(l => l.Directory)];
            var rootfs = OverlayRootfs.MountPoint(sandbox.Directory);
            if (hostRootfs)
            {
                await disk.MountAsync(sandbox.Directory, preparedDisk, rollback, cancellationToken).ConfigureAwait(false);
                if (arrival is not null)
                {
                    // Undone with the disk: its unmount and the directory's removal take the files too.
                    await rollback.StepAsync(
                        "sandbox.arrival",
                        ct => arrival.FillUpperLayer(OverlayRootfs.UpperDirectory(sandbox.Directory), ct),
                        _ => Task.CompletedTask,
                        cancellationToken).ConfigureAwait(false);
                }

                // Under a user namespace the layers must be owned by the sandbox's ids (copied once per image, and again
                // when the image changes: a step of its own, so such a copy shows in the timing line).
                var owners = runtime.Capabilities.FileOwners;
                layers = await rollback.StepAsync(
                    "storage.layers",
                    ct => shiftedLayers.ResolveAsync(layerSources, owners, ct),
                    _ => Task.CompletedTask,
                    cancellationToken).ConfigureAwait(false);
                rootfs = await OverlayRootfs.MountAsync(layers, owners, sandbox.Directory, rollback, cancellationToken).ConfigureAwait(false);
            }

            sandbox.Runtime = new RuntimeSandbox(
                sandbox.RuntimeId,
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
                ct => records.WriteAsync(sandbox, ct, pooled),
                _ => Task.CompletedTask,
                cancellationToken).ConfigureAwait(false);

            await runtime.StartAsync(sandbox.Runtime, rollback, cancellationToken).ConfigureAwait(false);

            await rollback.StepAsync(
                "envd.ready",
                ct => guest.WaitForEnvdAsync(sandbox, sandbox.Runtime, ct),
                _ => Task.CompletedTask,
                cancellationToken).ConfigureAwait(false);

            // From here on only holders of the token (this agent) can use the sandbox's envd.
            if (captureBase is not null)
            {
                // A guest that just answered for the first time is still finishing its boot; every sandbox restored
                // from a snapshot taken now would finish it again.
                await rollback.StepAsync(
                    "vm.settle",
                    ct => Task.Delay(options.Value.BaseSnapshotSettle, ct),
                    _ => Task.CompletedTask,
                    cancellationToken).ConfigureAwait(false);

                try
                {
                    // Booted, envd up, nothing of the user's given to it yet: what every sandbox of this kind starts as.
                    if (await baseSnapshots.CaptureAsync(
                        captureBase,
                        async (directory, ct) =>
                        {
                            await runtime.WriteTemplateAsync(sandbox.Runtime, directory, ct).ConfigureAwait(false);
                            await SandboxRecordStore.WriteEnvdTokenAsync(directory, startToken, ct).ConfigureAwait(false);
                        },
                        cancellationToken).ConfigureAwait(false))
                    {
                        baseSnapshots.RemoveStale(spec.Template, captureBase, table.MemoryTemplatesInUse());
                    }
                }
                finally
                {
                    // What the runtime keeps for removed snapshots (a VM's RAM copy) goes with them: the stale
                    // ones just removed, or this one's staging directory when it could not be made (a cancelled
                    // capture included).
                    await runtime.ReleaseRemovedTemplatesAsync().ConfigureAwait(false);
                }
            }

            // The sandbox's own token, never its template's: a VM restored from memory holds the token its
            // template was saved with (every sandbox from that template would share it), so /init, with
            // that one as the current token, replaces it before anything else can use it.
            // A VM restored from memory still has the name of the one the memory was taken from: its envd
            // renames it in /init, or (an older envd in the template's memory) the agent does after.
            var token = arrival?.EnvdAccessToken ?? SandboxRecordStore.NewEnvdToken();
            var hostname = memoryTemplate is not null ? sandbox.Id : null;
            EnvdInitAnswer? answer = null;
            await rollback.StepAsync(
                "envd.init",
                async ct =>
                {
                    answer = await envd.InitAsync(sandbox.EnvdUri!, startToken, token, spec.Environment, options.Value.DefaultUser, hostname, ct).ConfigureAwait(false);
                    sandbox.EnvdVersion = answer.Version;
                },
                _ => Task.CompletedTask,
                cancellationToken).ConfigureAwait(false);
            sandbox.EnvdAccessToken = token;
            if (hostname is not null && answer?.NamedAs != hostname)
            {
                await guest.NameRestoredGuestAsync(sandbox, cancellationToken).ConfigureAwait(false);
            }

            sandbox.StartedAt = arrival?.StartedAt ?? DateTimeOffset.UtcNow;
            sandbox.LastActiveAt = DateTimeOffset.UtcNow;
            if (arrival is not null)
            {
                // Paused (from starting, never reported running: its old host still holds it paused) before the
                // record says it is adoptable, so an agent restarted meanwhile cannot adopt it as running either.
                await rollback.StepAsync(
                    "sandbox.pause",
                    ct => runtime.PauseAsync(sandbox.Runtime, ct),
                    _ => Task.CompletedTask,
                    cancellationToken).ConfigureAwait(false);
                sandbox.State = SandboxState.Paused;
            }
            else
            {
                sandbox.State = SandboxState.Running;
            }

            // From here a restarted agent can adopt it: the record says how to reach its envd.
            await rollback.StepAsync(
                "sandbox.adoptable",
                ct => records.WriteAsync(sandbox, ct, pooled),
                _ => Task.CompletedTask,
                cancellationToken).ConfigureAwait(false);

            rollback.Commit();
            if (arrival is not null)
            {
                // Transfers logs the arrival: the sandbox is paused, not running.
                return;
            }

            logger.SandboxRunning(
                sandbox.Id,
                runtime.Name,
                sandbox.Slot.Index,
                pooled ? ", warm pool" : string.Empty,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception ex)
        {
            logger.CreateFailedRollingBack(ex, sandbox.Id);
            var undoErrors = await rollback.RollbackAsync().ConfigureAwait(false);
            if (undoErrors.Count > 0)
            {
                throw new RollbackFailedException(rollback.Operation, ex, undoErrors);
            }

            throw;
        }
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
}
