using Wrenn.Agent.Os;

namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>
/// The read-only ext4 disk a VM boots from, made once per image from its root directory
/// (<c>mkfs.ext4 -d</c>: owners, modes and setuid bits kept) and cached beside it as
/// <c>rootfs.ext4</c>. It is remade when the image's manifest changes. Each sandbox writes to its own
/// copy-on-write overlay of it; the file is sparse, so the headroom costs nothing until used.
/// </summary>
public sealed class RootfsDiskImage(ICommandRunner commands, ILogger<RootfsDiskImage> logger)
{
    public const string FileName = "rootfs.ext4";
    private const string KeyFileName = "rootfs.ext4.key";
    private const long HeadroomBytes = 2L * 1024 * 1024 * 1024;

    private readonly SemaphoreSlim _building = new(1, 1);

    /// <summary>The disk image for the image whose root directory is <paramref name="rootDirectory"/>, built if missing or stale.</summary>
    public async Task<string> EnsureAsync(string rootDirectory, CancellationToken cancellationToken)
    {
        var imageDirectory = Path.GetDirectoryName(Path.GetFullPath(rootDirectory).TrimEnd('/'))!;
        var disk = Path.Combine(imageDirectory, FileName);
        var keyFile = Path.Combine(imageDirectory, KeyFileName);
        var manifest = Path.Combine(imageDirectory, "manifest.json");
        var key = File.Exists(manifest) ? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(manifest, cancellationToken).ConfigureAwait(false))) : "no-manifest";
        if (File.Exists(disk) && File.Exists(keyFile) && await File.ReadAllTextAsync(keyFile, cancellationToken).ConfigureAwait(false) == key)
        {
            return disk;
        }

        await _building.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (File.Exists(disk) && File.Exists(keyFile) && await File.ReadAllTextAsync(keyFile, cancellationToken).ConfigureAwait(false) == key)
            {
                return disk;
            }

            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var content = DirectorySize(rootDirectory);
            var temporary = disk + ".tmp-" + Environment.ProcessId;
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
            {
                file.SetLength(((content + HeadroomBytes) / (1024 * 1024) + 1) * 1024 * 1024);
            }

            try
            {
                await commands.RunCheckedAsync(
                    "mkfs.ext4",
                    ["-q", "-F", "-m", "0", "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard", "-d", rootDirectory, temporary],
                    cancellationToken).ConfigureAwait(false);
                File.Move(temporary, disk, overwrite: true);
            }
            catch
            {
                File.Delete(temporary);
                throw;
            }

            await File.WriteAllTextAsync(keyFile, key, cancellationToken).ConfigureAwait(false);
            logger.VmDiskBuilt(disk, content / (1024 * 1024), System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return disk;
        }
        finally
        {
            _building.Release();
        }
    }

    private static long DirectorySize(string directory) =>
        new DirectoryInfo(directory)
            .EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Sum(f => f.Length);
}
