using Microsoft.Extensions.Options;
using Wrenn.Common.Naming;

namespace Wrenn.Agent.Storage;

/// <summary>
/// Finds base images under $WRENN_DIR/images/&lt;name&gt;/: a <c>rootfs/</c> directory (for containers)
/// made complete by its <c>manifest.json</c>, which the image builder writes last.
/// </summary>
public sealed class ImageStore(IOptions<AgentOptions> options)
{
    public const string RootfsDirectoryName = "rootfs";
    public const string ManifestFileName = "manifest.json";

    /// <summary>True when a complete image of that name is built here.</summary>
    public bool Exists(string imageName) =>
        SafeName.IsValid(imageName) && File.Exists(Path.Combine(options.Value.ImagesDir, imageName, ManifestFileName));

    /// <summary>The names of the complete images built here (none when the directory is missing).</summary>
    public IReadOnlyList<string> List() =>
        Directory.Exists(options.Value.ImagesDir)
            ? [.. Directory.EnumerateDirectories(options.Value.ImagesDir).Select(Path.GetFileName).OfType<string>().Where(Exists).Order(StringComparer.Ordinal)]
            : [];

    /// <summary>A short hash of the image's manifest: it changes whenever the image is rebuilt.</summary>
    public string GetVersion(string imageName)
    {
        SafeName.Require(imageName, "image");
        var manifest = Path.Combine(options.Value.ImagesDir, imageName, ManifestFileName);
        return File.Exists(manifest)
            ? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(manifest)))[..16]
            : throw new ImageNotFoundException(imageName, Path.GetDirectoryName(manifest)!);
    }

    /// <summary>The image's root filesystem directory; throws <see cref="ImageNotFoundException"/> when it is not built.</summary>
    public string GetRootfsDirectory(string imageName)
    {
        SafeName.Require(imageName, "image");
        var imageDir = Path.Combine(options.Value.ImagesDir, imageName);
        var rootfs = Path.Combine(imageDir, RootfsDirectoryName);
        if (!File.Exists(Path.Combine(imageDir, ManifestFileName)) || !Directory.Exists(rootfs))
        {
            throw new ImageNotFoundException(imageName, imageDir);
        }

        // Resolve links once so the overlay's lowerdir is a plain path.
        return new DirectoryInfo(rootfs).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(rootfs);
    }
}
