using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Wrenn.Cli.Processes;
using Wrenn.Common.Naming;

namespace Wrenn.Cli.Images;

/// <summary>
/// Builds a base image under $WRENN_DIR/images/&lt;name&gt;/: debootstrap a Debian root filesystem from
/// the recipe, add the default user and Wrenn's config, inject envd and wrenn-init, write the manifest.
/// The debootstrap result is cached by a key over the recipe; the injection by a key over envd and
/// wrenn-init. When both match, nothing is done.
/// </summary>
public sealed class ImageBuilder(TextWriter progress)
{
    private const string RootfsName = "rootfs";
    private const string EnvdPathInImage = "usr/local/bin/envd";
    private const string InitPathInImage = "usr/local/sbin/wrenn-init";

    // debootstrap prints a line per package at each of these stages.
    private static readonly string[] PerPackageStages = ["I: Retrieving", "I: Validating", "I: Extracting", "I: Unpacking", "I: Configuring"];

    public async Task<ImageBuildResult> BuildAsync(ImageBuildRequest request, CancellationToken cancellationToken)
    {
        SafeName.Require(request.Name, "image");
        var recipe = EmbeddedFiles.LoadRecipe(request.Name);
        if (!File.Exists(request.EnvdBinary))
        {
            throw new FileNotFoundException($"envd binary not found at {request.EnvdBinary}; run 'make build' first or pass --envd", request.EnvdBinary);
        }

        var init = EmbeddedFiles.LoadInit();
        var envdHash = await HashFileAsync(request.EnvdBinary, cancellationToken).ConfigureAwait(false);
        var baseKey = Hash(JsonSerializer.SerializeToUtf8Bytes(recipe, CliJsonContext.Default.ImageRecipe));
        var injectKey = Hash(Encoding.UTF8.GetBytes(envdHash + "\n" + Hash(init)));

        var imageDir = Path.Combine(request.ImagesDirectory, request.Name);
        var rootfs = Path.Combine(imageDir, RootfsName);
        var manifestPath = Path.Combine(imageDir, ImageManifest.FileName);
        var manifest = await ReadManifestAsync(manifestPath, cancellationToken).ConfigureAwait(false);

        var plan = Decide(manifest, baseKey, injectKey, Directory.Exists(rootfs), request.Force);
        if (plan == ImageBuildResult.AlreadyCurrent)
        {
            progress.WriteLine($"image {request.Name} is current ({imageDir})");
            return plan;
        }

        var baseCurrent = plan == ImageBuildResult.Reinjected;

        Directory.CreateDirectory(imageDir);
        // The manifest goes first and comes back last: an interrupted build leaves an image that is
        // visibly incomplete, never one that looks current.
        File.Delete(manifestPath);

        if (!baseCurrent)
        {
            await BuildBaseAsync(recipe, imageDir, rootfs, cancellationToken).ConfigureAwait(false);
        }

        progress.WriteLine($"[{(baseCurrent ? 1 : 3)}/{(baseCurrent ? 1 : 3)}] injecting envd and wrenn-init");
        await InjectAsync(rootfs, request.EnvdBinary, init, cancellationToken).ConfigureAwait(false);

        var newManifest = new ImageManifest(request.Name, baseKey, injectKey, recipe.Suite, recipe.Packages, envdHash, DateTimeOffset.UtcNow);
        var temporary = manifestPath + ".tmp";
        await File.WriteAllBytesAsync(temporary, JsonSerializer.SerializeToUtf8Bytes(newManifest, CliJsonContext.Default.ImageManifest), cancellationToken).ConfigureAwait(false);
        File.Move(temporary, manifestPath, overwrite: true);
        progress.WriteLine($"image {request.Name} ready at {imageDir}");
        return baseCurrent ? ImageBuildResult.Reinjected : ImageBuildResult.Built;
    }

    /// <summary>
    /// What a build must do: nothing when both keys match an existing image, only the injection when
    /// just envd or wrenn-init changed, everything when the recipe changed, the image is missing or
    /// incomplete (no manifest), or a rebuild is forced.
    /// </summary>
    public static ImageBuildResult Decide(ImageManifest? manifest, string baseKey, string injectKey, bool rootfsExists, bool force)
    {
        if (force || manifest is null || !rootfsExists || manifest.BaseKey != baseKey)
        {
            return ImageBuildResult.Built;
        }

        return manifest.InjectKey == injectKey ? ImageBuildResult.AlreadyCurrent : ImageBuildResult.Reinjected;
    }

    private async Task BuildBaseAsync(ImageRecipe recipe, string imageDir, string rootfs, CancellationToken cancellationToken)
    {
        var mirror = DebianMirror.Find(recipe.Suite);
        var staging = Path.Combine(imageDir, RootfsName + ".building");
        DeleteTree(staging);

        progress.WriteLine($"[1/3] debootstrap {recipe.Suite} ({recipe.Variant}, {recipe.Packages.Count} extra packages); about a minute");
        var packagesSeen = 0;
        try
        {
            await StreamingProcess.RunCheckedAsync(
                "debootstrap",
                [$"--variant={recipe.Variant}", "--include=" + string.Join(',', recipe.Packages), recipe.Suite, staging, mirror],
                line =>
                {
                    // Show every tenth per-package line: progress stays visible but short.
                    if (PerPackageStages.Any(stage => line.StartsWith(stage, StringComparison.Ordinal)))
                    {
                        if (++packagesSeen % 10 == 0)
                        {
                            progress.WriteLine("      " + line[3..]);
                        }
                    }
                    else if (line.StartsWith("I: ", StringComparison.Ordinal) || line.StartsWith("E: ", StringComparison.Ordinal) || line.StartsWith("W: ", StringComparison.Ordinal))
                    {
                        progress.WriteLine("      " + line[3..]);
                    }
                },
                cancellationToken).ConfigureAwait(false);

            progress.WriteLine($"[2/3] configuring: user '{recipe.DefaultUser}' with sudo, chrony from the host clock only, no apt timers");
            await ConfigureAsync(recipe, staging, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            DeleteTree(staging);
            throw;
        }

        DeleteTree(rootfs);
        Directory.Move(staging, rootfs);
    }

    private static async Task ConfigureAsync(ImageRecipe recipe, string rootfs, CancellationToken cancellationToken)
    {
        await StreamingProcess.RunCheckedAsync(
            "chroot",
            [rootfs, "useradd", "--create-home", "--shell", "/bin/bash", "--user-group", recipe.DefaultUser],
            _ => { },
            cancellationToken).ConfigureAwait(false);

        var sudoers = Path.Combine(rootfs, "etc/sudoers.d", recipe.DefaultUser);
        await File.WriteAllTextAsync(sudoers, $"{recipe.DefaultUser} ALL=(ALL:ALL) NOPASSWD: ALL\n", cancellationToken).ConfigureAwait(false);
        File.SetUnixFileMode(sudoers, UnixFileMode.UserRead | UnixFileMode.GroupRead);

        var chronyDir = Directory.CreateDirectory(Path.Combine(rootfs, "etc/chrony")).FullName;
        await File.WriteAllTextAsync(Path.Combine(chronyDir, "chrony.conf"), recipe.ChronyConf, cancellationToken).ConfigureAwait(false);
        DeleteTree(Path.Combine(chronyDir, "sources.d"));

        // Images must not reach out on their own: no periodic apt runs.
        foreach (var timer in new[] { "apt-daily.timer", "apt-daily-upgrade.timer" })
        {
            File.Delete(Path.Combine(rootfs, "etc/systemd/system/timers.target.wants", timer));
        }

        // The host agent writes resolv.conf per sandbox; the builder's own must not leak into the image.
        File.Delete(Path.Combine(rootfs, "etc/resolv.conf"));
        DeleteTree(Path.Combine(rootfs, "var/cache/apt/archives"));
        DeleteTree(Path.Combine(rootfs, "var/lib/apt/lists"));
        Directory.CreateDirectory(Path.Combine(rootfs, "var/cache/apt/archives/partial"));
        Directory.CreateDirectory(Path.Combine(rootfs, "var/lib/apt/lists/partial"));
    }

    private static async Task InjectAsync(string rootfs, string envdBinary, byte[] init, CancellationToken cancellationToken)
    {
        const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

        var envdTarget = Path.Combine(rootfs, EnvdPathInImage);
        Directory.CreateDirectory(Path.GetDirectoryName(envdTarget)!);
        // Copy then rename, so a sandbox starting meanwhile sees the old binary or the new, never half of one.
        File.Copy(envdBinary, envdTarget + ".new", overwrite: true);
        File.SetUnixFileMode(envdTarget + ".new", Executable);
        File.Move(envdTarget + ".new", envdTarget, overwrite: true);

        var initTarget = Path.Combine(rootfs, InitPathInImage);
        Directory.CreateDirectory(Path.GetDirectoryName(initTarget)!);
        await File.WriteAllBytesAsync(initTarget + ".new", init, cancellationToken).ConfigureAwait(false);
        File.SetUnixFileMode(initTarget + ".new", Executable);
        File.Move(initTarget + ".new", initTarget, overwrite: true);
    }

    private static async Task<ImageManifest?> ReadManifestAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync(stream, CliJsonContext.Default.ImageManifest, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }

    private static string Hash(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static void DeleteTree(string path)
    {
        if (!Directory.Exists(path))
        {
            return;
        }

        // An interrupted debootstrap can leave /proc or /sys mounted inside its target; deleting
        // through such a mount would reach the host's own files.
        var mounted = MountTable.MountPointsBelow(path);
        if (mounted.Count > 0)
        {
            throw new IOException($"{path} still has mounts below it ({string.Join(", ", mounted)}); unmount them, then build again");
        }

        Directory.Delete(path, recursive: true);
    }
}
