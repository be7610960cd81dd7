using System.Diagnostics;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Os;
using Wrenn.Agent.Storage;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Transfers;

/// <summary>
/// Moves templates between hosts as tar archives of their directories ($WRENN_DIR/templates/&lt;id&gt;/):
/// packed here for another host, or received from one. GNU tar keeps what an overlay layer needs
/// (owners by number, modes, the 0/0 character devices of deleted files, trusted.* xattrs of opaque
/// directories) and sparse VM disks. Both sides work in a staging directory under the templates
/// directory, which <see cref="TemplateStore.RemoveInterrupted"/> clears at start, so a transfer cut
/// short leaves nothing; a received template appears by one rename, complete or not at all.
/// </summary>
public sealed class TemplateTransfers(TemplateStore templates, ImageStore images, ICommandRunner commands, IOptions<AgentOptions> options, ILogger<TemplateTransfers> logger)
{
    private const string ArchiveFileName = "template.tar";

    private string TemplatesDir => options.Value.TemplatesDir;

    /// <summary>Packs template <paramref name="name"/> into an archive; the caller disposes it once sent.</summary>
    public async Task<TemplateArchive> ExportAsync(string name, CancellationToken cancellationToken)
    {
        TemplateStore.RequireId(name);
        var manifest = templates.Find(name) ?? throw new ImageNotFoundException(name, Path.Combine(TemplatesDir, name));
        var started = Stopwatch.GetTimestamp();
        var staging = templates.NewStagingDirectory("export-" + name);
        try
        {
            var archive = Path.Combine(staging, ArchiveFileName);
            await commands.RunCheckedAsync("tar", ["--create", "--file", archive, "--directory", Path.Combine(TemplatesDir, name), .. ArchiveFiles.TarOptions, "."], cancellationToken).ConfigureAwait(false);
            var (bytes, sha256) = await ArchiveFiles.HashAsync(archive, cancellationToken).ConfigureAwait(false);
            logger.TemplateExported(name, bytes, sha256, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return new TemplateArchive(name, manifest.Parent, manifest.KeepsMemory, archive, bytes, sha256, () => RemoveQuietly(staging));
        }
        catch
        {
            RemoveQuietly(staging);
            throw;
        }
    }

    /// <summary>
    /// Stores the template another host packed: <paramref name="content"/> must be exactly
    /// <paramref name="archiveBytes"/> bytes with SHA-256 <paramref name="sha256"/>. On any failure nothing is left.
    /// </summary>
    public async Task<TemplateManifest> ImportAsync(string name, string parent, long archiveBytes, string sha256, Stream content, CancellationToken cancellationToken)
    {
        TemplateStore.RequireId(name);
        if (templates.Find(name) is not null)
        {
            throw new TemplateExistsException(name, "a template");
        }

        RequireParent(name, parent);
        var started = Stopwatch.GetTimestamp();
        var staging = templates.NewStagingDirectory("import-" + name);
        try
        {
            var archive = Path.Combine(staging, ArchiveFileName);
            var (received, actual) = await ArchiveFiles.ReceiveAsync(content, archive, archiveBytes, cancellationToken).ConfigureAwait(false);
            if (received != archiveBytes || !string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase))
            {
                logger.TemplateImportRefused(name, $"{received} bytes with sha256 {actual}, expected {archiveBytes} bytes with {sha256}");
                throw new TemplateChecksumMismatchException(name, sha256, actual);
            }

            var unpacked = Path.Combine(staging, "template");
            Directory.CreateDirectory(unpacked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await commands.RunCheckedAsync("tar", ["--extract", "--file", archive, "--directory", unpacked, "--same-owner", "--same-permissions", .. ArchiveFiles.TarOptions], cancellationToken).ConfigureAwait(false);
            File.Delete(archive);
            var manifest = TemplateStore.ReadManifest(unpacked);
            if (manifest is null || manifest.Name != name || manifest.Parent != parent)
            {
                logger.TemplateImportRefused(name, "the archive holds another template");
                throw new ArgumentException($"the archive is not template {name} on '{parent}'");
            }

            var final = Path.Combine(TemplatesDir, name);
            try
            {
                // Atomic: sandboxes see no template or all of it. Fails when another copy arrived meanwhile.
                Directory.Move(unpacked, final);
            }
            catch (IOException) when (Directory.Exists(final))
            {
                throw new TemplateExistsException(name, "a template");
            }

            var size = FileTreeSize.Measure(final);
            logger.TemplateImported(name, received, size, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return manifest;
        }
        finally
        {
            RemoveQuietly(staging);
        }
    }

    private void RequireParent(string name, string parent)
    {
        var present = WrennIds.IsTemplateId(parent) ? templates.Find(parent) is not null : images.Exists(parent);
        if (!present)
        {
            throw new TemplateParentMissingException(name, parent);
        }
    }

    private void RemoveQuietly(string directory) => DirectoryRemoval.RemoveQuietly(directory, logger);
}
