using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Storage;

/// <summary>
/// A sandbox's writable disk: a sparse ext4 file of a fixed size, loop-mounted at <c>disk/</c> in the
/// sandbox directory, that holds the overlay's upper and work directories. A sandbox that fills it
/// gets ENOSPC and nobody else notices. With the cap off, <c>disk/</c> is a plain directory.
/// Once <see cref="StartPreparingAsync"/> ran, up to <see cref="SandboxDiskOptions.Prepared"/> empty disks
/// are kept formatted ahead in <c>$WRENN_DIR/prepared/disks</c> (refilled one at a time in the background);
/// a sandbox's disk is then one of them renamed into its directory, never one another sandbox had.
/// </summary>
public sealed class SandboxDisk(
    ICommandRunner commands,
    IOptions<SandboxDiskOptions> options,
    IOptions<AgentOptions> agentOptions,
    ILogger<SandboxDisk> logger,
    Pool.CreatesInFlight? creates = null) : Sandboxes.ISandboxDisk, IAsyncDisposable, IDisposable
{
    public const string DirectoryName = "disk";
    public const string ImageFileName = "disk.ext4";

    private Pool.ReadySet<string>? _ready;

    public static string MountPoint(string sandboxDirectory) => Path.Combine(sandboxDirectory, DirectoryName);

    public bool Capped => options.Value.SizeMb > 0;

    /// <summary>Where prepared disks wait: beside the sandboxes, on the same filesystem, so taking one is a rename.</summary>
    public string PreparedDirectory => agentOptions.Value.Layout.PreparedDisks;

    /// <summary>Formatted disks waiting for a sandbox.</summary>
    public int ReadyCount => Ready.Count;

    private Pool.ReadySet<string> Ready => LazyInitializer.EnsureInitialized(
        ref _ready,
        () => new Pool.ReadySet<string>("a sandbox disk", options.Value.Prepared, PrepareAsync, (disk, _) =>
        {
            TryDelete(disk);
            return Task.CompletedTask;
        }, logger, creates));

    /// <summary>
    /// Gives the sandbox its empty filesystem: a prepared one moved in, or a sparse file formatted now
    /// (mkfs.ext4). It needs nothing from the network setup, so creation runs the two side by side; the
    /// sandbox directory's own rollback removes it.
    /// </summary>
    public async Task FormatAsync(string sandboxDirectory, CancellationToken cancellationToken)
    {
        if (!Capped)
        {
            return;
        }

        var image = Path.Combine(sandboxDirectory, ImageFileName);
        while (Ready.TryTake(out var prepared))
        {
            if (LibC.Rename(prepared, image) == 0)
            {
                return;
            }

            var errno = Marshal.GetLastPInvokeError();
            TryDelete(prepared);
            if (errno == LibC.EXDEV)
            {
                // A copy would cost more than a format: prepared disks are no use on this host.
                Ready.StopRefilling();
                logger.PreparedDisksOtherFilesystem(PreparedDirectory, sandboxDirectory);
                break;
            }

            logger.PreparedDiskMoveFailed(prepared, sandboxDirectory, errno);
        }

        await FormatFileAsync(image, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the disks an earlier run had prepared (never mounted: files only), then starts keeping
    /// <see cref="SandboxDiskOptions.Prepared"/> ready. Does nothing when preparing is off or disks are uncapped.
    /// </summary>
    public Task StartPreparingAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Prepared <= 0 || !Capped)
        {
            return Task.CompletedTask;
        }

        Directory.CreateDirectory(PreparedDirectory);
        foreach (var leftover in Directory.EnumerateFiles(PreparedDirectory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            TryDelete(leftover);
        }

        Ready.Start();
        return Task.CompletedTask;
    }

    /// <summary>Stops refilling and deletes every disk still waiting.</summary>
    public Task StopPreparingAsync(CancellationToken cancellationToken) => Ready.StopAsync(cancellationToken);

    /// <summary>Waits until the ready set is full or a refill gave up (tests and benchmarks: a host between bursts).</summary>
    public Task WaitUntilPreparedAsync(CancellationToken cancellationToken) => Ready.WaitUntilFullAsync(cancellationToken);

    public ValueTask DisposeAsync() => Ready.DisposeAsync();

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Mounts the formatted disk at <c>disk/</c> (or makes the plain directory); the unmount is registered on <paramref name="rollback"/>.</summary>
    public Task MountAsync(string sandboxDirectory, RollbackList rollback, CancellationToken cancellationToken)
    {
        var mountPoint = MountPoint(sandboxDirectory);
        return rollback.StepAsync(
            "storage.disk",
            async ct =>
            {
                Directory.CreateDirectory(mountPoint);
                if (Capped)
                {
                    // mount(8) picks a free loop device and sets autoclear: the device goes with the unmount.
                    // nosuid,nodev: the tenant's files (the overlay's upper layer) are here too, and must not
                    // be a set-id program or a device to anyone on the host who reaches them by this path.
                    // In-process where the kernel allows (a mount(8) start costs tens of milliseconds per create).
                    var image = Path.Combine(sandboxDirectory, ImageFileName);
                    if (!LoopMount.TryMount(image, mountPoint, "ext4", LibC.MS_NOATIME | LibC.MS_NOSUID | LibC.MS_NODEV))
                    {
                        await commands.RunCheckedAsync("mount", ["-o", "loop,noatime,nosuid,nodev", image, mountPoint], ct).ConfigureAwait(false);
                    }
                }
            },
            _ =>
            {
                Unmount(sandboxDirectory);
                return Task.CompletedTask;
            },
            cancellationToken);
    }

    /// <summary>Unmounts the disk if it is mounted (its loop device is released with it).</summary>
    public static void Unmount(string sandboxDirectory) => Mounts.UnmountIfMounted(MountPoint(sandboxDirectory));

    private async Task FormatFileAsync(string image, CancellationToken cancellationToken)
    {
        await using (var file = new FileStream(image, FileMode.CreateNew, FileAccess.Write))
        {
            file.SetLength(options.Value.SizeMb * 1024 * 1024);
        }

        // No reserved blocks (the sandbox's root may use all of it); lazy init keeps mkfs at ~25 ms.
        await commands.RunCheckedAsync(
            "mkfs.ext4",
            ["-q", "-F", "-m", "0", "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard", image],
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Formats one disk to wait in the ready set; a failed one is deleted.</summary>
    private async Task<string> PrepareAsync(CancellationToken cancellationToken)
    {
        var image = Path.Combine(PreparedDirectory, Guid.NewGuid().ToString("N") + ".ext4");
        try
        {
            await FormatFileAsync(image, cancellationToken).ConfigureAwait(false);
            return image;
        }
        catch
        {
            TryDelete(image);
            throw;
        }
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException ex)
        {
            logger.PreparedDiskDeleteFailed(path, ex.Message);
        }
    }
}
