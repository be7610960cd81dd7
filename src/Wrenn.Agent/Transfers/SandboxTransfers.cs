using System.Diagnostics;
using System.Globalization;
using Wrenn.Agent.Os;
using Wrenn.Agent.Pool;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Sandboxes;
using Wrenn.Agent.Storage;
using Wrenn.Agent.Storage.Ownership;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Transfers;

/// <summary>
/// Moves paused sandboxes between hosts (how a sandbox leaves a draining host). A container's archive is
/// its overlay's upper layer (files only, as a container template is: owners, modes, symlinks, deleted-file
/// markers, opaque directories) plus the id mapping its owners were written under; the receiving host
/// starts a new container on those files with the sandbox's old envd token and environment and leaves it
/// paused, so the existing resume continues it (its processes start again: a container's memory does not
/// move). A paused VM is already on disk: the runtime packs its files (<see cref="IMovableRuntime"/>) and the
/// receiving host places them, paths rewritten, as a sandbox paused there; resumed, it continues where it
/// stopped. The exporting host keeps the sandbox paused and unchanged until the control plane destroys it.
/// Both sides work in a staging directory under the templates directory, which
/// <see cref="TemplateStore.RemoveInterrupted"/> clears at start; an import that fails leaves nothing.
/// </summary>
public sealed class SandboxTransfers(
    IRuntime runtime,
    SandboxTable table,
    SandboxStarter starter,
    SandboxTeardown teardown,
    SandboxRecordStore records,
    SandboxRequestValidator validator,
    TemplateStore templates,
    ImageStore images,
    ICommandRunner commands,
    WarmPool pool,
    ILogger<SandboxTransfers> logger)
{
    private const string ArchiveFileName = "sandbox.tar";

    /// <summary>The archive's entry holding the id mapping (host id and size) the upper layer's owners follow.</summary>
    private const string OwnersEntry = "owners";

    /// <summary>The archive's entry holding the overlay's upper layer.</summary>
    private const string UpperEntry = OverlayRootfs.UpperDirectoryName;

    /// <summary>
    /// Packs paused sandbox <paramref name="sandboxId"/> into an archive; the caller disposes it once sent.
    /// The sandbox stays paused here; a resume waits until the archive is written.
    /// </summary>
    public async Task<SandboxArchive> ExportAsync(string sandboxId, CancellationToken cancellationToken)
    {
        var sandbox = table.Get(sandboxId);
        return await sandbox.TransitionAsync(
            async () =>
            {
                if (sandbox.State != SandboxState.Paused)
                {
                    throw new SandboxConflictException($"sandbox {sandboxId} is {SandboxManager.Describe(sandbox.State)}, not paused; only a paused sandbox can move to another host");
                }

                RequireMovable();
                if (sandbox.EnvdAccessToken is not { Length: > 0 } token)
                {
                    throw new SandboxConflictException($"sandbox {sandboxId} has no envd token yet; it cannot move");
                }

                var started = Stopwatch.GetTimestamp();
                var staging = templates.NewStagingDirectory("export-" + sandboxId);
                try
                {
                    var archive = Path.Combine(staging, ArchiveFileName);
                    if (runtime is IMovableRuntime movable)
                    {
                        var files = Directory.CreateDirectory(Path.Combine(staging, "vm")).FullName;
                        await movable.PackPausedAsync(sandbox.Runtime!, files, cancellationToken).ConfigureAwait(false);
                        await commands.RunCheckedAsync("tar", ["--create", "--file", archive, .. ArchiveFiles.TarOptions, "--directory", files, "."], cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await PackUpperLayerAsync(sandbox, staging, archive, cancellationToken).ConfigureAwait(false);
                    }

                    var (bytes, sha256) = await ArchiveFiles.HashAsync(archive, cancellationToken).ConfigureAwait(false);
                    var description = new SandboxArchiveDescription(
                        sandbox.Id,
                        runtime.Name,
                        sandbox.Spec.Template,
                        sandbox.Spec.Vcpus,
                        sandbox.Spec.MemoryMb,
                        sandbox.Spec.TeamId,
                        token,
                        sandbox.EnvdVersion,
                        sandbox.Spec.Environment,
                        sandbox.StartedAt,
                        bytes,
                        sha256,
                        KeepsMemory: runtime.Capabilities.MemorySnapshots);
                    logger.SandboxExported(sandboxId, bytes, sha256, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    return new SandboxArchive(description, archive, () => RemoveQuietly(staging));
                }
                catch
                {
                    RemoveQuietly(staging);
                    throw;
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The container is frozen and its record says paused: the layer does not change while tar reads it.</summary>
    private async Task PackUpperLayerAsync(Sandbox sandbox, string staging, string archive, CancellationToken cancellationToken)
    {
        var meta = Directory.CreateDirectory(Path.Combine(staging, "meta")).FullName;
        var owners = runtime.Capabilities.FileOwners;
        await File.WriteAllTextAsync(Path.Combine(meta, OwnersEntry), string.Create(CultureInfo.InvariantCulture, $"{owners.HostId} {owners.Size}\n"), cancellationToken).ConfigureAwait(false);
        await commands.RunCheckedAsync(
            "tar",
            ["--create", "--file", archive, .. ArchiveFiles.TarOptions, "--directory", meta, OwnersEntry, "--directory", SandboxDisk.MountPoint(sandbox.Directory), UpperEntry],
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes over the sandbox another host packed: <paramref name="content"/> must be exactly the bytes
    /// <paramref name="header"/> describes. The sandbox is made here, paused, with a network slot and disk
    /// of its own; on any failure nothing of it is left.
    /// </summary>
    public async Task<Sandbox> ImportAsync(SandboxArchiveDescription header, Stream content, CancellationToken cancellationToken)
    {
        var spec = new CreateSandboxSpec(header.SandboxId, header.Template, header.Vcpus, header.MemoryMb, 0, header.Environment, header.TeamId);
        validator.ValidateCreate(spec);
        RequireRunnable(header);
        var started = Stopwatch.GetTimestamp();
        var sandbox = new Sandbox(spec, Path.Combine(records.SandboxesDirectory, header.SandboxId));
        if (!ReferenceEquals(table.GetOrAdd(sandbox), sandbox))
        {
            throw new SandboxExistsException(header.SandboxId);
        }

        // It counts in the table from now on, as the control plane counted it from the move's start: pooled
        // sandboxes whose room it takes make way for it.
        pool.GiveWay(sandbox.Id);
        string? staging = null;
        try
        {
            if (Directory.Exists(sandbox.Directory))
            {
                throw new SandboxExistsException(header.SandboxId);
            }

            staging = templates.NewStagingDirectory("import-" + header.SandboxId);
            var archive = Path.Combine(staging, ArchiveFileName);
            var (received, actual) = await ArchiveFiles.ReceiveAsync(content, archive, header.ArchiveBytes, cancellationToken).ConfigureAwait(false);
            if (received != header.ArchiveBytes || !string.Equals(actual, header.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                logger.SandboxImportRefused(header.SandboxId, $"{received} bytes with sha256 {actual}, expected {header.ArchiveBytes} bytes with {header.Sha256}");
                throw new SandboxChecksumMismatchException(header.SandboxId, header.Sha256, actual);
            }

            var unpacked = Path.Combine(staging, "sandbox");
            Directory.CreateDirectory(unpacked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await commands.RunCheckedAsync("tar", ["--extract", "--file", archive, "--directory", unpacked, "--same-owner", "--same-permissions", .. ArchiveFiles.TarOptions], cancellationToken).ConfigureAwait(false);
            File.Delete(archive);
            if (runtime is IMovableRuntime movable)
            {
                await PlacePausedVmAsync(movable, sandbox, header, unpacked, cancellationToken).ConfigureAwait(false);
                logger.SandboxImported(header.SandboxId, received, "none: paused to disk", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return sandbox;
            }

            var upper = Path.Combine(unpacked, UpperEntry);
            if (!Directory.Exists(upper) || ReadOwners(unpacked) is not { } from)
            {
                logger.SandboxImportRefused(header.SandboxId, "the archive holds no upper layer or owner mapping");
                throw new ArgumentException($"the archive of sandbox {header.SandboxId} is not a container sandbox's");
            }

            var arrival = new SandboxArrival(header.EnvdAccessToken, header.StartedAt, (target, ct) => FillUpperLayerAsync(upper, target, from, ct));
            await starter.StartAsync(sandbox, pooled: false, cancellationToken, arrival).ConfigureAwait(false);
            logger.SandboxImported(
                header.SandboxId,
                received,
                sandbox.Slot?.Index.ToString(CultureInfo.InvariantCulture) ?? "none",
                Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return sandbox;
        }
        catch
        {
            table.Remove(sandbox);
            throw;
        }
        finally
        {
            if (staging is not null)
            {
                RemoveQuietly(staging);
            }
        }
    }

    /// <summary>
    /// Makes the received VM a paused sandbox of this host, as one paused here is: its files in its own
    /// directory (paths rewritten by the runtime), no network slot (a resume takes one), and a record that
    /// says paused, written last, so an agent that stops half-way removes what was placed at its next start.
    /// </summary>
    private async Task PlacePausedVmAsync(IMovableRuntime movable, Sandbox sandbox, SandboxArchiveDescription header, string unpacked, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(sandbox.Directory);
        SandboxRootAccess.CloseSandboxDirectory(sandbox.Directory, runtime.Capabilities.UserNamespace);
        sandbox.Runtime = new RuntimeSandbox(
            sandbox.RuntimeId,
            sandbox.Directory,
            OverlayRootfs.MountPoint(sandbox.Directory),
            RuntimeNetwork.Detached,
            sandbox.Spec.Vcpus,
            sandbox.Spec.MemoryMb,
            sandbox.Spec.Environment);
        try
        {
            try
            {
                await movable.UnpackPausedAsync(sandbox.Runtime, unpacked, cancellationToken).ConfigureAwait(false);
            }
            catch (Runtimes.Vm.KernelNotFoundException ex)
            {
                Refuse(header.SandboxId, ex.Message);
            }

            sandbox.EnvdAccessToken = header.EnvdAccessToken;
            sandbox.EnvdVersion = header.EnvdVersion;
            sandbox.StartedAt = header.StartedAt;
            sandbox.LastActiveAt = DateTimeOffset.UtcNow;
            sandbox.State = SandboxState.Paused;
            await records.WriteAsync(sandbox, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var errors = await teardown.TearDownAsync(sandbox, budget.Token).ConfigureAwait(false);
            if (errors.Count > 0)
            {
                logger.SandboxImportCleanupFailed(new AggregateException(errors), header.SandboxId);
            }

            throw;
        }
    }

    /// <summary>
    /// Copies the received layer onto the sandbox's disk; when the two hosts map sandbox ids onto different
    /// host ids (user namespaces), every owner is moved to this host's mapping, as shared layers are.
    /// </summary>
    private async Task FillUpperLayerAsync(string received, string target, IdMapping from, CancellationToken cancellationToken)
    {
        // cp -a keeps what makes an overlay layer: owners, modes, xattrs (opaque directories) and the
        // 0/0 character devices that mark deleted files.
        await commands.RunCheckedAsync("cp", ["-a", "--reflink=auto", "--", received + "/.", target], cancellationToken).ConfigureAwait(false);
        var to = runtime.Capabilities.FileOwners;
        if (from.HostId != to.HostId)
        {
            IdShiftedLayers.ShiftOwners(received, target, from, to, cancellationToken);
        }
    }

    /// <summary>Containers move as files; VMs only on a runtime that can pack their saved state (QEMU, not Firecracker yet).</summary>
    private void RequireMovable()
    {
        if (runtime.Capabilities.MemorySnapshots && runtime is not IMovableRuntime)
        {
            throw new NotSupportedException($"paused {runtime.Name} sandboxes cannot move to another host yet; container and qemu sandboxes can");
        }
    }

    private void RequireRunnable(SandboxArchiveDescription header)
    {
        if (!string.Equals(header.Runtime, runtime.Name, StringComparison.Ordinal))
        {
            Refuse(header.SandboxId, $"it runs on the {header.Runtime} runtime and this host runs {runtime.Name}");
        }

        if (runtime.Capabilities.Refusal is { } refusal)
        {
            Refuse(header.SandboxId, refusal);
        }

        if (header.KeepsMemory != runtime.Capabilities.MemorySnapshots)
        {
            Refuse(header.SandboxId, header.KeepsMemory ? "the archive holds a VM's memory" : "the archive holds no VM memory");
        }

        RequireMovable();
        if (string.IsNullOrEmpty(header.EnvdAccessToken))
        {
            throw new ArgumentException($"the header of sandbox {header.SandboxId} carries no envd token");
        }

        var present = WrennIds.IsTemplateId(header.Template) ? templates.Find(header.Template) is not null : images.Exists(header.Template);
        if (!present)
        {
            Refuse(header.SandboxId, $"it stands on '{header.Template}', which this host does not hold; copy that first");
        }
    }

    private void Refuse(string sandboxId, string reason)
    {
        logger.SandboxImportRefused(sandboxId, reason);
        throw new SandboxImportRefusedException(sandboxId, reason);
    }

    private static IdMapping? ReadOwners(string unpacked)
    {
        var path = Path.Combine(unpacked, OwnersEntry);
        if (!File.Exists(path))
        {
            return null;
        }

        var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var hostId)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            ? new IdMapping(hostId, size)
            : null;
    }

    private void RemoveQuietly(string directory) => DirectoryRemoval.RemoveQuietly(directory, logger);
}
