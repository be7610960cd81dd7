using Microsoft.Extensions.Options;
using Wrenn.Agent.Os;
using Wrenn.Agent.Storage.Cow;

namespace Wrenn.Agent.Storage.DeviceMapper;

/// <summary>Loop devices through <c>losetup</c>: attach a file, detach a device, find the devices of a file.</summary>
public sealed class LoopDeviceClient(ICommandRunner commands, IOptions<RootfsCowOptions> options)
{
    private string Losetup => options.Value.Losetup;

    /// <summary>Attaches <paramref name="file"/> to the first free loop device and returns its path (/dev/loopN).</summary>
    public async Task<string> AttachAsync(string file, bool readOnly, CancellationToken cancellationToken)
    {
        string[] arguments = readOnly ? ["--find", "--show", "--read-only", file] : ["--find", "--show", file];
        var result = await commands.RunCheckedAsync(Losetup, arguments, cancellationToken).ConfigureAwait(false);
        var device = result.StandardOutput.Trim();
        return device.StartsWith("/dev/", StringComparison.Ordinal) && !device.Contains('\n', StringComparison.Ordinal)
            ? device
            : throw new IOException($"losetup attached {file} but printed '{device}' instead of a device path");
    }

    /// <summary>Detaches <paramref name="device"/>; a device that is already gone is fine (undo and cleanup may run twice).</summary>
    public async Task DetachAsync(string device, CancellationToken cancellationToken)
    {
        var result = await commands.RunAsync(Losetup, ["-d", device], cancellationToken).ConfigureAwait(false);
        if (result.Succeeded || IsGone(result.StandardError))
        {
            return;
        }

        throw new CommandFailedException(ICommandRunner.CommandLine(Losetup, ["-d", device]), result);
    }

    /// <summary>The loop devices backed by <paramref name="file"/> (<c>losetup -j</c>), for cleanup when the device was never recorded.</summary>
    public async Task<IReadOnlyList<string>> FindByBackingFileAsync(string file, CancellationToken cancellationToken)
    {
        var result = await commands.RunCheckedAsync(Losetup, ["-j", file], cancellationToken).ConfigureAwait(false);

        // "/dev/loop3: [2049]:1311 (/path/file)": the device is everything before the first colon.
        return
        [
            .. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(line => line.Split(':', 2)[0])
                .Where(device => device.StartsWith("/dev/", StringComparison.Ordinal)),
        ];
    }

    /// <summary>ENXIO (the device has no backing file) or ENOENT (no such node): nothing to detach.</summary>
    private static bool IsGone(string standardError) =>
        standardError.Contains("No such device or address", StringComparison.Ordinal)
        || standardError.Contains("No such file or directory", StringComparison.Ordinal);
}
