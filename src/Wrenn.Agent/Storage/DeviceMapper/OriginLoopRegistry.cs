using System.Collections.Concurrent;

namespace Wrenn.Agent.Storage.DeviceMapper;

/// <summary>
/// One read-only loop device per base image, shared by every sandbox made from it and counted: the
/// first user attaches it, the last one to go detaches it. The snapshots read through it; only the
/// sandboxes' own CoW devices are written.
/// </summary>
public sealed class OriginLoopRegistry(LoopDeviceClient loops, ILogger<OriginLoopRegistry> logger)
{
    // One lock for all changes (attaching takes milliseconds, and one lock cannot deadlock); reads need none.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, (string Device, int Users)> _images = new(StringComparer.Ordinal);

    /// <summary>Takes a reference to the loop device of <paramref name="baseImage"/>, attaching it if nobody holds one.</summary>
    public async Task<string> AcquireAsync(string baseImage, CancellationToken cancellationToken)
    {
        var key = Path.GetFullPath(baseImage);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_images.TryGetValue(key, out var entry))
            {
                _images[key] = (entry.Device, entry.Users + 1);
                return entry.Device;
            }

            // Not cancelled half-way: a losetup killed after attaching would leave a device nobody knows of.
            var device = await loops.AttachAsync(key, readOnly: true, CancellationToken.None).ConfigureAwait(false);
            _images[key] = (device, 1);
            logger.BaseImageAttached(key, device);
            return device;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Drops one reference; the last one detaches the device. A failed detach keeps the entry (with no
    /// users), so the next acquire reuses the device and the next release tries again.
    /// </summary>
    public async Task ReleaseAsync(string baseImage, CancellationToken cancellationToken)
    {
        var key = Path.GetFullPath(baseImage);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_images.TryGetValue(key, out var entry))
            {
                return;
            }

            var users = Math.Max(0, entry.Users - 1);
            _images[key] = (entry.Device, users);
            if (users > 0)
            {
                return;
            }

            await loops.DetachAsync(entry.Device, cancellationToken).ConfigureAwait(false);
            _images.TryRemove(key, out _);
            logger.BaseImageDetached(key, entry.Device);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>How many sandboxes hold <paramref name="baseImage"/>'s device (0 when none or not attached).</summary>
    public int UsersOf(string baseImage) => _images.TryGetValue(Path.GetFullPath(baseImage), out var entry) ? entry.Users : 0;

    /// <summary>True when <paramref name="device"/> is the origin of some base image (even one whose detach failed).</summary>
    public bool Holds(string device) => _images.Values.Any(e => e.Device == device);
}
