using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Storage.Ownership;

/// <summary>
/// Gives each read-only layer owners that fit the runtime's user namespace. Debian's runc cannot
/// id-map mounts, so a layer written under another mapping (an image is owned by host root) is copied
/// once into <c>.idmap-&lt;host id&gt;-&lt;version&gt;</c> beside it with every owner moved, and that copy is
/// what sandboxes stack. The copy stays until its image or template is removed.
/// </summary>
public sealed class IdShiftedLayers(ICommandRunner commands, ILogger<IdShiftedLayers> logger)
{
    private const string CachePrefix = ".idmap-";
    private const string StagingMarker = ".staging-";

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _building = new(StringComparer.Ordinal);

    /// <summary>The directories to stack, top first: each source as is when its owners already fit, else its shifted copy.</summary>
    public async Task<IReadOnlyList<string>> ResolveAsync(IReadOnlyList<LayerSource> sources, IdMapping target, CancellationToken cancellationToken)
    {
        var layers = new List<string>(sources.Count);
        foreach (var source in sources)
        {
            layers.Add(await ResolveAsync(source, target, cancellationToken).ConfigureAwait(false));
        }

        return layers;
    }

    private async Task<string> ResolveAsync(LayerSource source, IdMapping target, CancellationToken cancellationToken)
    {
        if (source.Owners.HostId == target.HostId)
        {
            return source.Directory;
        }

        var parent = Path.GetDirectoryName(Path.GetFullPath(source.Directory))!;
        var cache = Path.Combine(parent, $"{CachePrefix}{target.HostId}-{source.Version}");
        if (Directory.Exists(cache))
        {
            return cache;
        }

        var gate = _building.GetOrAdd(cache, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Directory.Exists(cache))
            {
                return cache;
            }

            RemoveInterruptedCopies(cache);
            var started = Stopwatch.GetTimestamp();
            // The pid says whose copy it is: agents on one machine may share the images directory.
            var staging = cache + StagingMarker + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];
            try
            {
                // cp -a keeps modes, links, devices, xattrs and sparse files; owners are moved after.
                await commands.RunCheckedAsync("cp", ["-a", "--reflink=auto", "--", source.Directory, staging], cancellationToken).ConfigureAwait(false);
                var entries = ShiftOwners(source.Directory, staging, source.Owners, target, cancellationToken);
                try
                {
                    Directory.Move(staging, cache);
                }
                catch (IOException) when (Directory.Exists(cache))
                {
                    // Another agent sharing the images directory put the same copy in place first.
                    RemoveQuietly(staging);
                    return cache;
                }

                RemoveUnusedCopies(parent, keep: cache);
                logger.LayerCopied(
                    source.Directory,
                    target.HostId,
                    entries,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return cache;
            }
            catch
            {
                RemoveQuietly(staging);
                throw;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Sets every entry of <paramref name="copy"/> to its <paramref name="original"/>'s owners moved from
    /// <paramref name="from"/> to <paramref name="to"/>. Reading owners from the original (not the copy)
    /// keeps hard links, met once per name, from being moved twice.
    /// </summary>
    internal static int ShiftOwners(string original, string copy, IdMapping from, IdMapping to, CancellationToken cancellationToken)
    {
        var count = 0;
        var pending = new Stack<string>();
        pending.Push(string.Empty);
        while (pending.TryPop(out var relative))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var source = relative.Length == 0 ? original : Path.Combine(original, relative);
            var target = relative.Length == 0 ? copy : Path.Combine(copy, relative);
            var (uid, gid, mode) = FileOwnership.Stat(source);
            var capabilities = FileOwnership.IsRegularFile(mode) ? FileOwnership.ReadCapabilities(source) : null;
            FileOwnership.SetOwner(target, to.Translate(uid, from), to.Translate(gid, from));
            if (!FileOwnership.IsSymbolicLink(mode) && (mode & 0xC00) != 0)
            {
                // chown clears setuid and setgid; sudo and passwd need them back.
                FileOwnership.SetMode(target, mode);
            }

            if (capabilities is not null)
            {
                // chown drops file capabilities too.
                FileOwnership.WriteCapabilities(target, capabilities);
            }

            count++;
            if (FileOwnership.IsDirectory(mode))
            {
                foreach (var child in Directory.EnumerateFileSystemEntries(source, "*", new EnumerationOptions { AttributesToSkip = 0 }))
                {
                    pending.Push(Path.Combine(relative, Path.GetFileName(child)));
                }
            }
        }

        return count;
    }

    /// <summary>
    /// Removes copies of older versions of the layer (an image is rebuilt with every new envd) that no
    /// mounted overlay stacks; a running sandbox keeps its copy until the next build after it is gone.
    /// </summary>
    private void RemoveUnusedCopies(string parent, string keep)
    {
        var mounts = File.Exists("/proc/self/mounts") ? File.ReadAllText("/proc/self/mounts") : string.Empty;
        foreach (var directory in Directory.EnumerateDirectories(parent, CachePrefix + "*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            if (directory == keep || directory.Contains(StagingMarker, StringComparison.Ordinal) || mounts.Contains(directory, StringComparison.Ordinal))
            {
                continue;
            }

            logger.UnusedLayerCopyRemoved(directory);
            RemoveQuietly(directory);
        }
    }

    /// <summary>
    /// Removes half-made copies of <paramref name="cache"/> a crash left; the caller holds its gate, so one
    /// this process is making is not among them, but another live process's (an agent sharing the images
    /// directory) may be, and it is left alone.
    /// </summary>
    private void RemoveInterruptedCopies(string cache)
    {
        var prefix = Path.GetFileName(cache) + StagingMarker;
        foreach (var directory in Directory.EnumerateDirectories(Path.GetDirectoryName(cache)!, prefix + "*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            var owner = Path.GetFileName(directory)[prefix.Length..].Split('-')[0];
            if (int.TryParse(owner, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid != Environment.ProcessId && Directory.Exists($"/proc/{pid}"))
            {
                continue;
            }

            logger.InterruptedLayerCopyRemoved(directory);
            RemoveQuietly(directory);
        }
    }

    private void RemoveQuietly(string directory) => DirectoryRemoval.RemoveQuietly(directory, logger);
}
