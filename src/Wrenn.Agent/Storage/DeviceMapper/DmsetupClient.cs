using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Wrenn.Agent.Os;
using Wrenn.Agent.Storage.Cow;

namespace Wrenn.Agent.Storage.DeviceMapper;

/// <summary>
/// Device-mapper through <c>dmsetup</c>. Removal retries with backoff while the device is busy (the VM
/// that held it open may still be closing it) and on nothing else: a device that cannot be removed for
/// another reason will not become removable by waiting.
/// </summary>
public sealed partial class DmsetupClient(ICommandRunner commands, IOptions<RootfsCowOptions> options, ILogger<DmsetupClient> logger)
{
    private string Dmsetup => options.Value.Dmsetup;

    /// <summary>Creates device <paramref name="name"/> with a one-line <paramref name="table"/>.</summary>
    /// <exception cref="DeviceMapperUnavailableException">the kernel lacks the driver or the target (ENODEV)</exception>
    public async Task CreateAsync(string name, string table, CancellationToken cancellationToken)
    {
        string[] arguments = ["create", name, "--table", table];
        var result = await commands.RunAsync(Dmsetup, arguments, cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            return;
        }

        if (IsNoSuchDevice(result.StandardError))
        {
            throw new DeviceMapperUnavailableException(result.StandardError.Trim());
        }

        throw new CommandFailedException(ICommandRunner.CommandLine(Dmsetup, arguments), result);
    }

    /// <summary>
    /// Removes device <paramref name="name"/>, retrying only while dmsetup says "Device or resource busy".
    /// Returns false when there was no such device (already removed).
    /// </summary>
    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken)
    {
        string[] arguments = ["remove", name];
        var retry = new ResiliencePipelineBuilder<CommandResult>()
            .AddRetry(new RetryStrategyOptions<CommandResult>
            {
                ShouldHandle = new PredicateBuilder<CommandResult>().HandleResult(r => !r.Succeeded && IsBusy(r.StandardError)),
                MaxRetryAttempts = options.Value.RemoveRetryAttempts,
                Delay = options.Value.RemoveRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                OnRetry = args =>
                {
                    logger.RemoveBusyRetrying(
                        name,
                        args.AttemptNumber + 1,
                        args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            })
            .Build();

        var result = await retry.ExecuteAsync(
            async ct => await commands.RunAsync(Dmsetup, arguments, ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            return true;
        }

        if (IsNotFound(result.StandardError))
        {
            return false;
        }

        throw new CommandFailedException(ICommandRunner.CommandLine(Dmsetup, arguments), result);
    }

    /// <summary>True when device <paramref name="name"/> exists (<c>dmsetup info</c>).</summary>
    public async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken)
    {
        var result = await commands.RunAsync(Dmsetup, ["info", name], cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            return true;
        }

        return IsNotFound(result.StandardError)
            ? false
            : throw new CommandFailedException(ICommandRunner.CommandLine(Dmsetup, ["info", name]), result);
    }

    /// <summary>The names of all device-mapper devices (<c>dmsetup ls</c>).</summary>
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken)
    {
        var result = await commands.RunCheckedAsync(Dmsetup, ["ls"], cancellationToken).ConfigureAwait(false);

        // "name\t(253:0)" per device, or "No devices found".
        return
        [
            .. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(line => line != "No devices found")
                .Select(line => line.Split((char[])['\t', ' '], 2)[0]),
        ];
    }

    /// <summary>The table of device <paramref name="name"/>, or null when there is no such device.</summary>
    public async Task<string?> TableAsync(string name, CancellationToken cancellationToken)
    {
        var result = await commands.RunAsync(Dmsetup, ["table", name], cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            return result.StandardOutput.Trim();
        }

        return IsNotFound(result.StandardError)
            ? null
            : throw new CommandFailedException(ICommandRunner.CommandLine(Dmsetup, ["table", name]), result);
    }

    /// <summary><c>dmsetup version</c>: fails where the kernel has no device-mapper driver.</summary>
    public Task<CommandResult> VersionAsync(CancellationToken cancellationToken) =>
        commands.RunAsync(Dmsetup, ["version"], cancellationToken);

    /// <summary>EBUSY: someone still has the device open.</summary>
    public static bool IsBusy(string standardError) => standardError.Contains("Device or resource busy", StringComparison.Ordinal);

    /// <summary>ENODEV ("No such device", but not ENXIO's "No such device or address"): the kernel has no such driver or target.</summary>
    public static bool IsNoSuchDevice(string standardError) => NoSuchDevice().IsMatch(standardError);

    /// <summary>The device does not exist: dmsetup says so in words, or the ioctl failed with ENXIO.</summary>
    public static bool IsNotFound(string standardError) =>
        standardError.Contains("does not exist", StringComparison.Ordinal)
        || standardError.Contains("not found", StringComparison.Ordinal)
        || standardError.Contains("No such device or address", StringComparison.Ordinal);

    [GeneratedRegex("No such device(?! or address)", RegexOptions.CultureInvariant)]
    private static partial Regex NoSuchDevice();
}
