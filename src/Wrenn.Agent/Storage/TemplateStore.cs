using System.Text.Json;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Os;
using Wrenn.Agent.Storage.Ownership;
using Wrenn.Common.Ids;
using Wrenn.Common.Naming;

namespace Wrenn.Agent.Storage;

/// <summary>
/// Filesystem templates under $WRENN_DIR/templates/&lt;template id&gt;/: a <c>layer/</c> directory (a copy of
/// the source sandbox's overlay upper layer, whiteouts included) on top of its parent's layers, and
/// <c>template.json</c>, written last. A sandbox from a template mounts the whole chain read-only as
/// its overlay's lower layers, so it starts as fast as one from the base image.
/// Templates are stored and found by id (<c>tpl-</c> and 16 random hex digits), never by the name a
/// team gave them: names are per team and live in the control plane, so no name a caller can guess
/// or choose reaches another team's template here.
/// </summary>
public sealed class TemplateStore(ImageStore images, ICommandRunner commands, IOptions<AgentOptions> options, ILogger<TemplateStore> logger)
{
    public const string LayerDirectoryName = "layer";
    public const string ManifestFileName = "template.json";

    /// <summary>Layers a chain may hold: overlayfs takes many more, but each one costs every lookup that misses.</summary>
    public const int MaxChainLength = 16;

    /// <summary>Directories being filled (a template being made or received); removed at start when an agent stopped meanwhile.</summary>
    private const string StagingPrefix = ".staging-";
    private const string DeletingPrefix = ".deleting-";

    private string TemplatesDir => options.Value.TemplatesDir;

    /// <summary>The template's manifest, or null when no complete template has that id.</summary>
    public TemplateManifest? Find(string name)
    {
        if (!WrennIds.IsTemplateId(name))
        {
            return null;
        }

        return ReadManifest(Path.Combine(TemplatesDir, name));
    }

    /// <summary>The manifest of the template in <paramref name="directory"/> (in place or being received), or null when it has none.</summary>
    public static TemplateManifest? ReadManifest(string directory)
    {
        var path = Path.Combine(directory, ManifestFileName);
        if (!File.Exists(path))
        {
            return null;
        }

        using var file = File.OpenRead(path);
        return JsonSerializer.Deserialize(file, AgentJsonContext.Default.TemplateManifest);
    }

    /// <summary>
    /// A new directory under the templates directory for a template being made or moved (<paramref name="purpose"/>
    /// names it), readable by root only: a VM's template holds its memory (and the guest agent's token). Cleared at
    /// start if a crash left it (<see cref="RemoveInterrupted"/>).
    /// </summary>
    public string NewStagingDirectory(string purpose)
    {
        Directory.CreateDirectory(TemplatesDir);
        var staging = Path.Combine(TemplatesDir, StagingPrefix + purpose + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(staging, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return staging;
    }

    /// <summary>Every complete template on this host.</summary>
    public IReadOnlyList<TemplateManifest> List() =>
        !Directory.Exists(TemplatesDir)
            ? []
            : [.. Directory.EnumerateDirectories(TemplatesDir).Select(Path.GetFileName).Select(name => Find(name!)).OfType<TemplateManifest>().OrderBy(t => t.CreatedAt)];

    /// <summary>
    /// The read-only layers a sandbox from <paramref name="name"/> (an image or a template) stands on,
    /// top first, ending with the base image's root filesystem.
    /// </summary>
    public IReadOnlyList<string> ResolveLayers(string name) => [.. ResolveLayerSources(name).Select(l => l.Directory)];

    /// <summary>As <see cref="ResolveLayers"/>, with whose ids each layer's owners are and what identifies its content.</summary>
    public IReadOnlyList<LayerSource> ResolveLayerSources(string name)
    {
        SafeName.Require(name, "template");
        var layers = new List<LayerSource>();
        var current = name;
        var depth = 0;
        while (Find(current) is { } template)
        {
            if (++depth > MaxChainLength)
            {
                throw new InvalidOperationException($"template '{name}' stands on more than {MaxChainLength} templates");
            }

            if (template.KeepsMemory)
            {
                // A VM template's files are in its disk, not a layer; what it stands on still counts.
                current = template.Parent;
                continue;
            }

            layers.Add(new LayerSource(
                Path.Combine(TemplatesDir, current, LayerDirectoryName),
                template.Owners ?? IdMapping.Identity,
                template.CreatedAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            current = template.Parent;
        }

        layers.Add(new LayerSource(images.GetRootfsDirectory(current), IdMapping.Identity, images.GetVersion(current)));
        return layers;
    }

    /// <summary>The directory of <paramref name="name"/> when it is a template that keeps memory (a VM's), else null.</summary>
    public string? MemoryTemplateDirectory(string name) =>
        Find(name) is { KeepsMemory: true } ? Path.Combine(TemplatesDir, name) : null;

    /// <summary>
    /// Makes template <paramref name="name"/> from a sandbox's upper layer. The caller keeps the
    /// sandbox still (frozen) meanwhile. Either the whole template appears, or nothing does.
    /// </summary>
    public Task<TemplateManifest> CreateAsync(string name, string parent, string sourceSandboxId, string upperDirectory, uint vcpus, uint memoryMb, IdMapping owners, CancellationToken cancellationToken) =>
        CreateCoreAsync(
            name,
            parent,
            sourceSandboxId,
            vcpus,
            memoryMb,
            owners,
            keepsMemory: false,
            // cp -a keeps what makes an overlay layer: owners, modes, xattrs (opaque directories) and the
            // 0/0 character devices that mark deleted files.
            (staging, ct) => commands.RunCheckedAsync("cp", ["-a", "--reflink=auto", "--", upperDirectory + "/.", Path.Combine(staging, LayerDirectoryName)], ct),
            cancellationToken);

    /// <summary>
    /// Makes template <paramref name="name"/> of a VM: <paramref name="writeSnapshot"/> writes its memory,
    /// device state and disk into the directory it is given. Either the whole template appears, or nothing does.
    /// </summary>
    public Task<TemplateManifest> CreateFromMemoryAsync(string name, string parent, string sourceSandboxId, uint vcpus, uint memoryMb, Func<string, CancellationToken, Task> writeSnapshot, CancellationToken cancellationToken) =>
        CreateCoreAsync(name, parent, sourceSandboxId, vcpus, memoryMb, IdMapping.Identity, keepsMemory: true, writeSnapshot, cancellationToken);

    private async Task<TemplateManifest> CreateCoreAsync(
        string name,
        string parent,
        string sourceSandboxId,
        uint vcpus,
        uint memoryMb,
        IdMapping owners,
        bool keepsMemory,
        Func<string, CancellationToken, Task> writeContent,
        CancellationToken cancellationToken)
    {
        RequireId(name);
        if (Find(name) is not null)
        {
            throw new TemplateExistsException(name, "a template");
        }

        if (images.Exists(name))
        {
            throw new TemplateExistsException(name, "a base image");
        }

        if (ResolveLayers(parent).Count > MaxChainLength)
        {
            throw new InvalidOperationException($"'{parent}' already stands on {MaxChainLength} templates; a template of a template of … stops there");
        }

        var staging = NewStagingDirectory(name);
        var final = Path.Combine(TemplatesDir, name);
        try
        {
            await writeContent(staging, cancellationToken).ConfigureAwait(false);
            var manifest = new TemplateManifest(name, parent, sourceSandboxId, vcpus, memoryMb, FileTreeSize.Measure(staging), keepsMemory, DateTimeOffset.UtcNow, owners == IdMapping.Identity ? null : owners);
            await using (var file = File.Create(Path.Combine(staging, ManifestFileName)))
            {
                await JsonSerializer.SerializeAsync(file, manifest, AgentJsonContext.Default.TemplateManifest, cancellationToken).ConfigureAwait(false);
            }

            // A rename is atomic: readers see no template or all of it. It fails if the name was taken meanwhile.
            Directory.Move(staging, final);
            logger.TemplateMade(name, sourceSandboxId, manifest.SizeBytes, parent);
            return manifest;
        }
        catch (IOException) when (Directory.Exists(final))
        {
            RemoveQuietly(staging);
            throw new TemplateExistsException(name, "a template");
        }
        catch
        {
            RemoveQuietly(staging);
            throw;
        }
    }

    /// <summary>Removes a template nobody uses; <paramref name="usedBySandboxes"/> says which sandboxes stand on it.</summary>
    public void Delete(string name, IReadOnlyList<string> usedBySandboxes)
    {
        SafeName.Require(name, "template");
        if (Find(name) is null)
        {
            throw new ImageNotFoundException(name, Path.Combine(TemplatesDir, name));
        }

        var children = List().Where(t => t.Parent == name).Select(t => "template " + t.Name).ToList();
        var users = usedBySandboxes.Select(id => "sandbox " + id).Concat(children).ToList();
        if (users.Count > 0)
        {
            throw new TemplateInUseException(name, string.Join(", ", users));
        }

        // Out of sight first (atomic), then removed: an interrupted removal never leaves half a template.
        var doomed = Path.Combine(TemplatesDir, DeletingPrefix + name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.Move(Path.Combine(TemplatesDir, name), doomed);
        Directory.Delete(doomed, recursive: true);
        logger.TemplateRemoved(name);
    }

    /// <summary>Throws <see cref="TemplateExistsException"/> when a base image is called <paramref name="teamName"/>.</summary>
    public void RequireNotAnImage(string teamName)
    {
        if (images.Exists(teamName))
        {
            throw new TemplateExistsException(teamName, "a base image");
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="name"/> is a template id, the only name a template is stored under.</summary>
    public static void RequireId(string name)
    {
        if (!WrennIds.IsTemplateId(name))
        {
            throw new ArgumentException($"a template is stored under its id ({WrennIds.TemplatePrefix} and 16 hex digits), not '{name}'", nameof(name));
        }
    }

    /// <summary>Removes what interrupted creations and removals left (at agent start).</summary>
    public void RemoveInterrupted()
    {
        if (!Directory.Exists(TemplatesDir))
        {
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(TemplatesDir))
        {
            var name = Path.GetFileName(directory);
            if (name.StartsWith(StagingPrefix, StringComparison.Ordinal) || name.StartsWith(DeletingPrefix, StringComparison.Ordinal))
            {
                logger.InterruptedTemplateRemoved(directory);
                RemoveQuietly(directory);
            }
            else if (!WrennIds.IsTemplateId(name) && File.Exists(Path.Combine(directory, ManifestFileName)))
            {
                // Made before templates were stored by id: its name was global, so it is never found by
                // name again (any team could have guessed it). Kept for the operator to remove.
                logger.OldNamedTemplateIgnored(directory);
            }
        }
    }

    private void RemoveQuietly(string directory) => DirectoryRemoval.RemoveQuietly(directory, logger);
}
