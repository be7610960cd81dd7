using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Storage;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// Snapshots of freshly booted VMs, taken the first time a sandbox of a given image, size and kernel
/// boots (after its envd answers, before it is given a token or anything of its user), under
/// $WRENN_DIR/snapshots/base/&lt;key&gt;/. Later sandboxes of the same kind restore one instead of
/// booting. A snapshot of another image version or kernel is never reused, and is removed once no
/// sandbox here stands on it.
/// </summary>
public sealed class BaseVmSnapshots(ImageStore images, IOptions<AgentOptions> options, ILogger<BaseVmSnapshots> logger)
{
    private const string ReadyFileName = "ready";
    private const string StagingMarker = ".staging-";

    public string Root => options.Value.Layout.BaseSnapshots;

    /// <summary>Names the snapshot a sandbox of <paramref name="image"/> with this size would restore.</summary>
    public string KeyFor(string image, uint vcpus, uint memoryMb, string bootIdentity)
    {
        var identity = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(images.GetVersion(image) + "\n" + bootIdentity)))[..16];
        return $"{image}-{vcpus}c-{memoryMb}m-{identity}";
    }

    /// <summary>The snapshot's directory when it is complete, else null.</summary>
    public string? Find(string key)
    {
        var directory = Path.Combine(Root, key);
        return File.Exists(Path.Combine(directory, ReadyFileName)) ? directory : null;
    }

    /// <summary>
    /// Makes snapshot <paramref name="key"/> with <paramref name="write"/> (the runtime's template
    /// writer); it appears whole or not at all. Returns false (and logs) when it could not be made:
    /// the sandbox it was taken from is not affected.
    /// </summary>
    public async Task<bool> CaptureAsync(string key, Func<string, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var final = Path.Combine(Root, key);
        var staging = final + StagingMarker + Guid.NewGuid().ToString("N")[..8];
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            Directory.CreateDirectory(staging, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await write(staging, cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(staging, ReadyFileName), DateTimeOffset.UtcNow.ToString("O"), cancellationToken).ConfigureAwait(false);
            Directory.Move(staging, final);
            logger.BaseVmSnapshotMade(key, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.BaseVmSnapshotFailed(ex, key);
            RemoveQuietly(staging);
            return false;
        }
    }

    /// <summary>Removes snapshots of <paramref name="image"/> other than <paramref name="keep"/> that no sandbox stands on, and half-made ones.</summary>
    public void RemoveStale(string image, string keep, IReadOnlySet<string> inUse)
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        var ofImage = new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(image) + @"-[0-9]+c-[0-9]+m-[0-9a-f]{16}(\.staging-[0-9a-f]{8})?$");
        foreach (var directory in Directory.EnumerateDirectories(Root))
        {
            var name = Path.GetFileName(directory);
            if (!ofImage.IsMatch(name) || name == keep || inUse.Contains(directory))
            {
                continue;
            }

            // Half-made ones of this key only: another key's may be being written right now.
            if (name.Contains(StagingMarker, StringComparison.Ordinal) && !name.StartsWith(keep + StagingMarker, StringComparison.Ordinal))
            {
                continue;
            }

            logger.BaseVmSnapshotStaleRemoved(directory);
            RemoveQuietly(directory);
        }
    }

    private void RemoveQuietly(string directory) => DirectoryRemoval.RemoveQuietly(directory, logger);
}
