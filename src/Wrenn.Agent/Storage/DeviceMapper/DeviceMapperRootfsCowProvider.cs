using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Storage.Cow;
using Wrenn.Common.Naming;

namespace Wrenn.Agent.Storage.DeviceMapper;

/// <summary>
/// A sandbox's root disk as a device-mapper snapshot: the base image on a shared read-only loop device
/// (the origin, <see cref="OriginLoopRegistry"/>), the sandbox's writes in a sparse CoW file on its own
/// loop device, joined by <c>dmsetup create wrenn-&lt;id&gt; --table "0 &lt;sectors&gt; snapshot &lt;origin&gt; &lt;cow&gt; P 8"</c>.
/// The persistent (P) exception store keeps the CoW mapping inside the CoW file, so the file alone is
/// the sandbox's disk state. The CoW file is as large as the origin plus the store's metadata: every
/// chunk can be rewritten and the snapshot never overflows (an overflowed snapshot is invalidated).
/// Being sparse, it costs only what the sandbox writes.
/// </summary>
public sealed class DeviceMapperRootfsCowProvider(
    DmsetupClient dmsetup,
    LoopDeviceClient loops,
    OriginLoopRegistry origins,
    IOptions<RootfsCowOptions> options,
    IStepFaults faults,
    ILogger<DeviceMapperRootfsCowProvider> logger) : IRootfsCowProvider
{
    public const string ProviderName = "device-mapper";
    public const string CowFileName = "rootfs.cow";
    private const int SectorBytes = 512;
    private const int LoopMajor = 7;

    private readonly ConcurrentDictionary<string, (string BaseImage, string CowDevice)> _active = new(StringComparer.Ordinal);

    public string Name => ProviderName;

    public string DeviceName(string sandboxId) => options.Value.DevicePrefix + sandboxId;

    public async Task<RootfsCow> CreateAsync(string sandboxId, string baseImage, string sandboxDirectory, CancellationToken cancellationToken)
    {
        SafeName.Require(sandboxId, "sandbox");
        var name = DeviceName(sandboxId);
        var cowPath = Path.Combine(sandboxDirectory, CowFileName);

        // A loop device is the file's size cut down to whole sectors; the table must not be longer.
        var sectors = new FileInfo(baseImage).Length / SectorBytes;
        if (sectors == 0)
        {
            throw new InvalidDataException($"base image {baseImage} is smaller than one sector");
        }

        // Leftovers of an earlier sandbox with this id (an agent that died mid-way) would make create fail.
        await RemoveLeftoversAsync(name, cowPath, cancellationToken).ConfigureAwait(false);

        var rollback = new RollbackList("rootfs " + sandboxId, logger, faults);
        try
        {
            var origin = await AcquireOriginStepAsync(rollback, baseImage, cancellationToken).ConfigureAwait(false);
            await rollback.StepAsync(
                "rootfs.cow-file",
                _ =>
                {
                    using var file = new FileStream(cowPath, FileMode.CreateNew, FileAccess.Write);
                    file.SetLength(CowBytes(sectors * SectorBytes));
                    return Task.CompletedTask;
                },
                _ =>
                {
                    File.Delete(cowPath);
                    return Task.CompletedTask;
                },
                cancellationToken).ConfigureAwait(false);

            var (cow, table) = await SnapshotStepsAsync(rollback, name, origin, cowPath, sectors, cancellationToken).ConfigureAwait(false);
            rollback.Commit();
            _active[sandboxId] = (baseImage, cow);
            logger.RootDiskCreated(sandboxId, name, table);
            return new RootfsCow(sandboxId, Name, "/dev/mapper/" + name, baseImage, cowPath);
        }
        catch (Exception ex)
        {
            var undoErrors = await rollback.RollbackAsync().ConfigureAwait(false);
            if (undoErrors.Count > 0)
            {
                throw new RollbackFailedException(rollback.Operation, ex, undoErrors);
            }

            throw;
        }
    }

    /// <summary>
    /// Removes the snapshot device (retried while busy), then its CoW loop device and file, then the
    /// sandbox's reference to the origin. Stops at the first failure: while the snapshot exists its
    /// loop devices are still in use, so removing those would fail or pull the disk from under the VM.
    /// </summary>
    public async Task RemoveAsync(RootfsCow rootfs, CancellationToken cancellationToken)
    {
        await TakeDownAsync(rootfs, cancellationToken).ConfigureAwait(false);
        File.Delete(rootfs.CowPath);
        logger.RootDiskRemoved(rootfs.SandboxId);
    }

    /// <summary>
    /// Takes the disk off the host and keeps its state: the snapshot device, the CoW loop device and the
    /// origin reference go as in <see cref="RemoveAsync"/>, the CoW file stays. It holds every write and,
    /// in the persistent store, the table of which chunks were written, so <see cref="ReattachAsync"/>
    /// brings back the same disk. For a VM paused to disk, which then holds no device on the host.
    /// </summary>
    public async Task DetachAsync(RootfsCow rootfs, CancellationToken cancellationToken)
    {
        await TakeDownAsync(rootfs, cancellationToken).ConfigureAwait(false);
        logger.RootDiskDetached(rootfs.SandboxId, rootfs.CowPath);
    }

    /// <summary>
    /// Makes the snapshot device of a detached disk again over its kept CoW file: origin, CoW loop device,
    /// <c>dmsetup create</c> with the table it was made with. The kernel finds the persistent store's
    /// header in the file and reads back the chunks written before. All or nothing, like
    /// <see cref="CreateAsync"/>, except that the CoW file is never deleted. A device of the same name
    /// left by a detach that failed half-way (or an agent that died) is taken down first.
    /// </summary>
    public async Task<RootfsCow> ReattachAsync(RootfsCow rootfs, CancellationToken cancellationToken)
    {
        SafeName.Require(rootfs.SandboxId, "sandbox");
        var name = DeviceName(rootfs.SandboxId);
        if (!File.Exists(rootfs.CowPath))
        {
            throw new FileNotFoundException($"the copy-on-write file of sandbox {rootfs.SandboxId} is gone: its disk cannot be attached again", rootfs.CowPath);
        }

        var sectors = new FileInfo(rootfs.BaseImage).Length / SectorBytes;
        if (sectors == 0)
        {
            throw new InvalidDataException($"base image {rootfs.BaseImage} is smaller than one sector");
        }

        if (_active.ContainsKey(rootfs.SandboxId))
        {
            logger.RootDiskStillAttached(rootfs.SandboxId);
            await TakeDownAsync(rootfs, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Attached by an agent that has since restarted, or a detach that failed half-way.
            await RemoveLeftoverDeviceAsync(name, cancellationToken).ConfigureAwait(false);
        }

        // A CoW loop device left without its snapshot would be a second writer of the file.
        await DetachCowAsync(null, rootfs.CowPath, cancellationToken).ConfigureAwait(false);

        var rollback = new RollbackList("reattach rootfs " + rootfs.SandboxId, logger, faults);
        try
        {
            var origin = await AcquireOriginStepAsync(rollback, rootfs.BaseImage, cancellationToken).ConfigureAwait(false);
            var (cow, table) = await SnapshotStepsAsync(rollback, name, origin, rootfs.CowPath, sectors, cancellationToken).ConfigureAwait(false);
            rollback.Commit();
            _active[rootfs.SandboxId] = (rootfs.BaseImage, cow);
            logger.RootDiskAttachedAgain(rootfs.SandboxId, rootfs.CowPath, name, table);
            return rootfs with { Provider = Name, DevicePath = "/dev/mapper/" + name };
        }
        catch (Exception ex)
        {
            var undoErrors = await rollback.RollbackAsync().ConfigureAwait(false);
            if (undoErrors.Count > 0)
            {
                throw new RollbackFailedException(rollback.Operation, ex, undoErrors);
            }

            throw;
        }
    }

    /// <summary>
    /// At agent start: removes every <c>wrenn-*</c> device whose sandbox is not in
    /// <paramref name="keepSandboxIds"/> (sandboxes still running are kept), with the loop devices under
    /// them that nothing kept uses. Returns the names removed.
    /// </summary>
    public async Task<IReadOnlyList<string>> RemoveStaleAsync(IReadOnlySet<string> keepSandboxIds, CancellationToken cancellationToken)
    {
        var prefix = options.Value.DevicePrefix;
        var ours = (await dmsetup.ListAsync(cancellationToken).ConfigureAwait(false))
            .Where(n => IsOurs(n, prefix))
            .ToList();
        var tables = new Dictionary<string, (string Origin, string Cow)?>(StringComparer.Ordinal);
        foreach (var name in ours)
        {
            tables[name] = SnapshotDevices(await dmsetup.TableAsync(name, cancellationToken).ConfigureAwait(false));
        }

        var stale = ours.Where(n => !keepSandboxIds.Contains(n[prefix.Length..])).ToList();
        var keptOrigins = ours.Except(stale).Select(n => tables[n]?.Origin).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var name in stale)
        {
            logger.StaleDeviceRemoved(name);
            await dmsetup.RemoveAsync(name, cancellationToken).ConfigureAwait(false);
            if (tables[name] is { } devices)
            {
                await loops.DetachAsync(devices.Cow, cancellationToken).ConfigureAwait(false);
            }
        }

        var staleOrigins = stale.Select(n => tables[n]?.Origin).OfType<string>().Distinct(StringComparer.Ordinal);
        foreach (var origin in staleOrigins.Where(o => !keptOrigins.Contains(o) && !origins.Holds(o)))
        {
            await loops.DetachAsync(origin, cancellationToken).ConfigureAwait(false);
        }

        return stale;
    }

    /// <summary>The step that takes a reference to the base image's shared read-only loop device; its undo drops it.</summary>
    private async Task<string> AcquireOriginStepAsync(RollbackList rollback, string baseImage, CancellationToken cancellationToken)
    {
        // Assigned inside the step, not from its result: a fault after the step's work must still find what it made.
        string? origin = null;
        await rollback.StepAsync(
            "rootfs.origin",
            async ct => origin = await origins.AcquireAsync(baseImage, ct).ConfigureAwait(false),
            ct => origin is null ? Task.CompletedTask : origins.ReleaseAsync(baseImage, ct),
            cancellationToken).ConfigureAwait(false);
        return origin!;
    }

    /// <summary>The steps that attach <paramref name="cowPath"/> to a loop device and join it to the origin as snapshot <paramref name="name"/>.</summary>
    private async Task<(string Cow, string Table)> SnapshotStepsAsync(RollbackList rollback, string name, string origin, string cowPath, long sectors, CancellationToken cancellationToken)
    {
        string? cow = null;
        await rollback.StepAsync(
            "rootfs.cow-loop",
            async ct => cow = await loops.AttachAsync(cowPath, readOnly: false, ct).ConfigureAwait(false),
            ct => DetachCowAsync(cow, cowPath, ct),
            cancellationToken).ConfigureAwait(false);

        var table = string.Create(CultureInfo.InvariantCulture, $"0 {sectors} snapshot {origin} {cow} P {options.Value.ChunkSectors}");
        await rollback.StepAsync(
            "rootfs.snapshot",
            ct => dmsetup.CreateAsync(name, table, ct),
            ct => dmsetup.RemoveAsync(name, ct),
            cancellationToken).ConfigureAwait(false);
        return (cow!, table);
    }

    /// <summary>Snapshot device, CoW loop device, origin reference, in that order; stops at the first failure and finds parts already gone fine.</summary>
    private async Task TakeDownAsync(RootfsCow rootfs, CancellationToken cancellationToken)
    {
        await dmsetup.RemoveAsync(DeviceName(rootfs.SandboxId), cancellationToken).ConfigureAwait(false);
        var known = _active.TryGetValue(rootfs.SandboxId, out var active);
        await DetachCowAsync(known ? active.CowDevice : null, rootfs.CowPath, cancellationToken).ConfigureAwait(false);
        if (_active.TryRemove(rootfs.SandboxId, out active))
        {
            await origins.ReleaseAsync(active.BaseImage, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Device and CoW file of a sandbox with this id that were never cleaned up; its origin loop goes too unless something else uses it.</summary>
    private async Task RemoveLeftoversAsync(string name, string cowPath, CancellationToken cancellationToken)
    {
        await RemoveLeftoverDeviceAsync(name, cancellationToken).ConfigureAwait(false);
        if (File.Exists(cowPath))
        {
            await DetachCowAsync(null, cowPath, cancellationToken).ConfigureAwait(false);
            File.Delete(cowPath);
        }
    }

    /// <summary>A device of this name nobody recorded (an agent that died): removed with its CoW loop, and its origin loop unless something else uses it.</summary>
    private async Task RemoveLeftoverDeviceAsync(string name, CancellationToken cancellationToken)
    {
        if (await dmsetup.ExistsAsync(name, cancellationToken).ConfigureAwait(false))
        {
            logger.StaleDeviceRemovedBeforeCreate(name);
            var devices = SnapshotDevices(await dmsetup.TableAsync(name, cancellationToken).ConfigureAwait(false));
            await dmsetup.RemoveAsync(name, cancellationToken).ConfigureAwait(false);
            if (devices is { } stale)
            {
                await loops.DetachAsync(stale.Cow, cancellationToken).ConfigureAwait(false);
                if (!origins.Holds(stale.Origin) && !await OriginUsedByAnyDeviceAsync(stale.Origin, cancellationToken).ConfigureAwait(false))
                {
                    await loops.DetachAsync(stale.Origin, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// A device of this agent's: its prefix and then one sandbox id (<c>sb-</c> and hex, no further dash). The prefix alone
    /// would also match the devices of another agent on the machine whose prefix begins with ours (wrenn-a-sb-… under
    /// wrenn-), and this agent's start would remove them; prefixes end in a letter and a dash, so such a name always has
    /// another dash before its sandbox id.
    /// </summary>
    internal static bool IsOurs(string device, string prefix)
    {
        if (!device.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = device.AsSpan(prefix.Length);
        if (rest.StartsWith(Wrenn.Common.Ids.WrennIds.SandboxPrefix, StringComparison.Ordinal))
        {
            rest = rest[Wrenn.Common.Ids.WrennIds.SandboxPrefix.Length..];
        }

        return rest.Length > 0 && !rest.Contains('-');
    }

    private async Task<bool> OriginUsedByAnyDeviceAsync(string origin, CancellationToken cancellationToken)
    {
        foreach (var other in await dmsetup.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (IsOurs(other, options.Value.DevicePrefix)
                && SnapshotDevices(await dmsetup.TableAsync(other, cancellationToken).ConfigureAwait(false))?.Origin == origin)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Detaches the CoW loop device; when it was never recorded (attach cancelled, agent restarted), finds it by its file.</summary>
    private async Task DetachCowAsync(string? device, string cowPath, CancellationToken cancellationToken)
    {
        if (device is not null)
        {
            await loops.DetachAsync(device, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!File.Exists(cowPath))
        {
            return;
        }

        foreach (var found in await loops.FindByBackingFileAsync(cowPath, cancellationToken).ConfigureAwait(false))
        {
            await loops.DetachAsync(found, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Origin size plus the persistent store's overhead: one 4 KiB header chunk and one metadata chunk
    /// per 256 data chunks (16-byte entries), rounded up generously to 1/64 + 1 MiB.
    /// </summary>
    private static long CowBytes(long originBytes) => originBytes + (originBytes / 64) + (1024 * 1024);

    /// <summary>
    /// Origin and CoW devices of a "start length snapshot origin cow P chunk" table; dmsetup prints
    /// devices as major:minor, turned back into /dev/loopN for loop devices. Null for any other table.
    /// </summary>
    private static (string Origin, string Cow)? SnapshotDevices(string? table)
    {
        var fields = table?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields is not { Length: >= 5 } || fields[2] != "snapshot")
        {
            return null;
        }

        return LoopPath(fields[3]) is { } origin && LoopPath(fields[4]) is { } cow ? (origin, cow) : null;
    }

    private static string? LoopPath(string device)
    {
        if (device.StartsWith("/dev/", StringComparison.Ordinal))
        {
            return device;
        }

        var parts = device.Split(':');
        return parts.Length == 2 && parts[0] == LoopMajor.ToString(CultureInfo.InvariantCulture) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var minor)
            ? "/dev/loop" + minor.ToString(CultureInfo.InvariantCulture)
            : null;
    }
}
