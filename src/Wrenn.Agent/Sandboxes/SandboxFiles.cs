using Microsoft.Extensions.Options;
using Wrenn.Agent.Envd;
using Wrenn.Agent.Storage;
using Wrenn.Envd.Protocol.Filesystem;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// Files in a running sandbox, through its envd: streamed in and out, listed, made, removed. Every call
/// holds a place of <see cref="SandboxCallLimiter"/> until it ends (a read: until its stream is disposed).
/// </summary>
public sealed class SandboxFiles(SandboxManager manager, EnvdClient envd, SandboxCallLimiter limiter, IOptions<EnvdClientOptions> envdOptions, IHostDiskSpace hostDisk)
{
    /// <summary>
    /// Streams <paramref name="content"/> into the file (parents created, owned by the user); returns the
    /// absolute path. Refused with <see cref="HostDiskFullException"/> (507 at the control plane) before
    /// or while the bytes pass what the host's disk can take: envd would get them into the sandbox's page
    /// cache and fail only at writeback. envd syncs before it answers, so a write the host refuses after
    /// all fails too, and is reported as the host's when the host is full by then.
    /// </summary>
    public async Task<string> WriteAsync(string sandboxId, string path, string? user, Stream content, CancellationToken cancellationToken)
    {
        var (sandbox, lease) = Enter(sandboxId, path);
        using (lease)
        {
            var budget = hostDisk.WritableBytes();
            if (budget <= 0)
            {
                throw new HostDiskFullException("the host's disk holding $WRENN_DIR has no room for the upload (free space less WRENN_HOST_DISK_RESERVE_MB)");
            }

            try
            {
                return await envd.UploadAsync(sandbox.Envd, path, user, new HostSpaceBoundStream(content, budget), cancellationToken).ConfigureAwait(false);
            }
            catch (EnvdCallException ex) when (hostDisk.WritableBytes() <= 0)
            {
                // envd could not write the file back (ENOSPC, or EIO from the loop device under it) because
                // the host's disk is full, not because the sandbox filled its own.
                throw new HostDiskFullException("the host's disk holding $WRENN_DIR filled during the upload", ex);
            }
        }
    }

    /// <summary>The file as a stream; the caller disposes it.</summary>
    public async Task<Stream> ReadAsync(string sandboxId, string path, string? user, CancellationToken cancellationToken)
    {
        var (sandbox, lease) = Enter(sandboxId, path);
        try
        {
            return new ResponseStream(lease, await envd.DownloadAsync(sandbox.Envd, path, user, cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    public async Task<IReadOnlyList<EntryInfo>> ListAsync(string sandboxId, string path, uint depth, string? user, CancellationToken cancellationToken)
    {
        var (sandbox, lease) = Enter(sandboxId, path);
        using var _ = lease;
        var response = await envd.CallAsync(sandbox.Envd, "filesystem.Filesystem/ListDir", new ListDirRequest { Path = path, Depth = depth }, ListDirResponse.Parser, cancellationToken, user).ConfigureAwait(false);
        return response.Entries.Count > envdOptions.Value.MaxListEntries
            ? throw new EnvdResponseTooLargeException("ListDir", envdOptions.Value.MaxListEntries)
            : response.Entries;
    }

    /// <summary>Creates the directory; returns its entry and whether it was new.</summary>
    public async Task<(EntryInfo? Entry, bool Created)> MakeDirAsync(string sandboxId, string path, string? user, CancellationToken cancellationToken)
    {
        var (sandbox, lease) = Enter(sandboxId, path);
        using var _ = lease;
        try
        {
            var made = await envd.CallAsync(sandbox.Envd, "filesystem.Filesystem/MakeDir", new MakeDirRequest { Path = path }, MakeDirResponse.Parser, cancellationToken, user).ConfigureAwait(false);
            return (made.Entry, true);
        }
        catch (EnvdCallException ex) when (ex.Code == "already_exists")
        {
            var stat = await envd.CallAsync(sandbox.Envd, "filesystem.Filesystem/Stat", new StatRequest { Path = path }, StatResponse.Parser, cancellationToken, user).ConfigureAwait(false);
            return (stat.Entry, false);
        }
    }

    public async Task RemoveAsync(string sandboxId, string path, string? user, CancellationToken cancellationToken)
    {
        var (sandbox, lease) = Enter(sandboxId, path);
        using (lease)
        {
            await envd.CallAsync(sandbox.Envd, "filesystem.Filesystem/Remove", new RemoveRequest { Path = path }, RemoveResponse.Parser, cancellationToken, user).ConfigureAwait(false);
        }
    }

    private (Sandbox Sandbox, IDisposable Lease) Enter(string sandboxId, string path)
    {
        RequirePath(path);
        var sandbox = manager.GetRunningAndTouch(sandboxId);
        return (sandbox, limiter.Enter(sandbox));
    }

    private static void RequirePath(string path)
    {
        if (string.IsNullOrWhiteSpace(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("path is required and must not contain NUL");
        }
    }
}
