using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Common.Naming;

namespace Wrenn.Agent.Storage.Cow;

/// <summary>
/// The fallback where device-mapper is missing: each sandbox gets its own copy of the base image. A
/// reflink copy (<c>cp --reflink=always</c>) shares the image's blocks until written and is instant
/// on btrfs, XFS and bcachefs; elsewhere a sparse copy (<c>cp --sparse=always</c>) copies the data
/// and keeps the holes. Which one works is found out on the first copy and logged.
/// </summary>
public sealed class FileCopyRootfsCowProvider(
    ICommandRunner commands,
    IOptions<RootfsCowOptions> options,
    IStepFaults faults,
    ILogger<FileCopyRootfsCowProvider> logger) : IRootfsCowProvider
{
    public const string ProviderName = "file-copy";
    public const string FileName = "rootfs.ext4";

    private RootfsCopyMode? _chosen;

    public string Name => ProviderName;

    /// <summary>The copy method in use: the configured one, or what the first copy found out (Auto until then).</summary>
    public RootfsCopyMode Mode => _chosen ?? options.Value.CopyMode;

    public async Task<RootfsCow> CreateAsync(string sandboxId, string baseImage, string sandboxDirectory, CancellationToken cancellationToken)
    {
        SafeName.Require(sandboxId, "sandbox");
        var copy = Path.Combine(sandboxDirectory, FileName);
        var rollback = new RollbackList("rootfs " + sandboxId, logger, faults);
        try
        {
            await rollback.StepAsync(
                "rootfs.copy",
                ct => CopyAsync(Path.GetFullPath(baseImage), copy, ct),
                _ =>
                {
                    File.Delete(copy);
                    return Task.CompletedTask;
                },
                cancellationToken).ConfigureAwait(false);
            rollback.Commit();
            return new RootfsCow(sandboxId, Name, copy, baseImage, copy);
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

    public Task RemoveAsync(RootfsCow rootfs, CancellationToken cancellationToken)
    {
        File.Delete(rootfs.CowPath);
        return Task.CompletedTask;
    }

    /// <summary>The copy is a plain file: it holds nothing on the host but its blocks, which must stay.</summary>
    public Task DetachAsync(RootfsCow rootfs, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<RootfsCow> ReattachAsync(RootfsCow rootfs, CancellationToken cancellationToken) =>
        File.Exists(rootfs.CowPath)
            ? Task.FromResult(rootfs)
            : Task.FromException<RootfsCow>(new FileNotFoundException($"the root disk of sandbox {rootfs.SandboxId} is gone", rootfs.CowPath));

    private async Task CopyAsync(string source, string target, CancellationToken cancellationToken)
    {
        var mode = Mode;
        if (mode is RootfsCopyMode.Reflink or RootfsCopyMode.Auto)
        {
            string[] reflink = ["--reflink=always", source, target];
            var result = await commands.RunAsync(options.Value.Cp, reflink, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                if (mode == RootfsCopyMode.Auto)
                {
                    _chosen = RootfsCopyMode.Reflink;
                    logger.ReflinkCopies(Path.GetDirectoryName(target));
                }

                return;
            }

            if (mode == RootfsCopyMode.Reflink)
            {
                throw new CommandFailedException(ICommandRunner.CommandLine(options.Value.Cp, reflink), result);
            }

            // cp may leave an empty target behind when the clone ioctl is refused.
            File.Delete(target);
            _chosen = RootfsCopyMode.Sparse;
            logger.SparseCopies(
                Path.GetDirectoryName(target),
                result.StandardError.Trim());
        }

        await commands.RunCheckedAsync(options.Value.Cp, ["--sparse=always", source, target], cancellationToken).ConfigureAwait(false);
    }
}
