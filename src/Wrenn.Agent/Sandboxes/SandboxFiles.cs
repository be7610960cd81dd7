using Microsoft.Extensions.Options;
using Wrenn.Agent.Envd;
using Wrenn.Envd.Protocol.Filesystem;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// Files in a running sandbox, through its envd: streamed in and out, listed, made, removed. Every call
/// holds a place of <see cref="SandboxCallLimiter"/> until it ends (a read: until its stream is disposed).
/// </summary>
public sealed class SandboxFiles(SandboxManager manager, EnvdClient envd, SandboxCallLimiter limiter, IOptions<EnvdClientOptions> envdOptions)
{
    /// <summary>Streams <paramref name="content"/> into the file (parents created, owned by the user); returns the absolute path.</summary>
    public async Task<string> WriteAsync(string sandboxId, string path, string? user, Stream content, CancellationToken cancellationToken)
    {
        var (sandbox, lease) = Enter(sandboxId, path);
        using (lease)
        {
            return await envd.UploadAsync(sandbox.Envd, path, user, content, cancellationToken).ConfigureAwait(false);
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
