using Microsoft.Extensions.Options;
using Wrenn.Agent.Storage.DeviceMapper;

namespace Wrenn.Agent.Storage.Cow;

/// <summary>
/// Picks how root disks are made, once, and logs which and why: device-mapper snapshots where
/// <c>/dev/mapper/control</c> exists and <c>dmsetup version</c> answers, else file copies. A create
/// that then finds the snapshot target missing (ENODEV) switches to file copies for good.
/// </summary>
public sealed class RootfsCowSelector(
    DeviceMapperRootfsCowProvider deviceMapper,
    FileCopyRootfsCowProvider fileCopy,
    DmsetupClient dmsetup,
    IOptions<RootfsCowOptions> options,
    ILogger<RootfsCowSelector> logger) : IRootfsCowProvider
{
    private readonly SemaphoreSlim _choosing = new(1, 1);
    private IRootfsCowProvider? _selected;

    /// <summary>The chosen provider's name, or "undecided" before the first use.</summary>
    public string Name => _selected?.Name ?? "undecided";

    /// <summary>The provider in use, probing the host the first time.</summary>
    public async Task<IRootfsCowProvider> SelectAsync(CancellationToken cancellationToken)
    {
        if (_selected is { } selected)
        {
            return selected;
        }

        await _choosing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_selected is null)
            {
                var (provider, reason) = await ProbeAsync(cancellationToken).ConfigureAwait(false);
                if (provider == deviceMapper)
                {
                    logger.DeviceMapperSnapshots(reason);
                }
                else
                {
                    logger.FileCopiesInstead(reason);
                }

                _selected = provider;
            }

            return _selected;
        }
        finally
        {
            _choosing.Release();
        }
    }

    public async Task<RootfsCow> CreateAsync(string sandboxId, string baseImage, string sandboxDirectory, CancellationToken cancellationToken)
    {
        var provider = await SelectAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await provider.CreateAsync(sandboxId, baseImage, sandboxDirectory, cancellationToken).ConfigureAwait(false);
        }
        catch (DeviceMapperUnavailableException ex) when (provider == deviceMapper)
        {
            // The create has rolled itself back; nothing of it is left to clean.
            logger.SwitchingToFileCopies(ex.Reason);
            _selected = fileCopy;
            return await fileCopy.CreateAsync(sandboxId, baseImage, sandboxDirectory, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task RemoveAsync(RootfsCow rootfs, CancellationToken cancellationToken) => MadeBy(rootfs).RemoveAsync(rootfs, cancellationToken);

    public Task DetachAsync(RootfsCow rootfs, CancellationToken cancellationToken) => MadeBy(rootfs).DetachAsync(rootfs, cancellationToken);

    /// <summary>By the provider that made the disk, whatever is chosen now: a CoW file only works the way it was made.</summary>
    public Task<RootfsCow> ReattachAsync(RootfsCow rootfs, CancellationToken cancellationToken) => MadeBy(rootfs).ReattachAsync(rootfs, cancellationToken);

    private IRootfsCowProvider MadeBy(RootfsCow rootfs) => rootfs.Provider == deviceMapper.Name ? deviceMapper : fileCopy;

    private async Task<(IRootfsCowProvider Provider, string Reason)> ProbeAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.UseDeviceMapper)
        {
            return (fileCopy, "device-mapper is turned off in the configuration");
        }

        var control = options.Value.DeviceMapperControl;
        if (!File.Exists(control))
        {
            return (fileCopy, $"{control} does not exist (no device-mapper in this kernel, or /dev not populated)");
        }

        var version = await dmsetup.VersionAsync(cancellationToken).ConfigureAwait(false);
        if (!version.Succeeded)
        {
            return (fileCopy, $"dmsetup version failed: {version.StandardError.Trim()}");
        }

        var driver = version.StandardOutput.Split('\n').FirstOrDefault(l => l.StartsWith("Driver version", StringComparison.Ordinal))?.Trim();
        return (deviceMapper, driver ?? "dmsetup answers");
    }
}
