using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Wrenn.Cli.Images;
using Wrenn.Cli.Output;
using Wrenn.Common.Configuration;

namespace Wrenn.Cli.Commands;

/// <summary>`wrenn image build NAME` makes a base image under $WRENN_DIR/images; `wrenn image ls` lists them.</summary>
public static class ImageCommand
{
    public static Command Create(StopSignal stop)
    {
        var name = new Argument<string>("name")
        {
            Description = "Recipe to build: " + string.Join(", ", EmbeddedFiles.RecipeNames()),
            DefaultValueFactory = _ => "minimal",
        };
        var force = new Option<bool>("--force") { Description = "Rebuild from scratch even when the cached image is current" };
        var envd = new Option<string>("--envd") { Description = "envd binary to inject (default: the one beside this wrenn binary)" };
        var wrennDir = new Option<string>("--wrenn-dir")
        {
            Description = $"State directory (default ${WrennEnvironment.Dir} or {WrennEnvironment.DefaultDir})",
        };

        var build = new Command("build", "Build a base image with debootstrap (a no-op when the cached image is current)")
        {
            name, force, envd, wrennDir,
        };
        build.SetAction(async (parse, _) =>
        {
            if (!Environment.IsPrivilegedProcess)
            {
                await Console.Error.WriteLineAsync("wrenn image build: must run as root (debootstrap and chroot need it); run it with sudo").ConfigureAwait(false);
                return 1;
            }

            var dir = parse.GetValue(wrennDir) ?? WrennEnvironment.Get(WrennEnvironment.Dir, WrennEnvironment.DefaultDir);
            var request = new ImageBuildRequest(
                parse.GetValue(name)!,
                new WrennLayout(dir).Images,
                parse.GetValue(envd) ?? Path.Combine(AppContext.BaseDirectory, "envd"),
                parse.GetValue(force));
            try
            {
                await new ImageBuilder(Console.Out).BuildAsync(request, stop.Token).ConfigureAwait(false);
                return 0;
            }
            catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or InvalidOperationException or IOException)
            {
                await Console.Error.WriteLineAsync("wrenn image build: " + ex.Message).ConfigureAwait(false);
                return 1;
            }
        });

        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var listDir = new Option<string>("--wrenn-dir")
        {
            Description = $"State directory (default ${WrennEnvironment.Dir} or {WrennEnvironment.DefaultDir})",
        };
        var list = new Command("ls", "List the base images built on this machine (complete ones: those with a manifest)") { json, listDir };
        list.SetAction(async (parse, ct) =>
        {
            var images = new WrennLayout(parse.GetValue(listDir) ?? WrennEnvironment.Get(WrennEnvironment.Dir, WrennEnvironment.DefaultDir)).Images;
            var manifests = new List<ImageManifest>();
            foreach (var path in Directory.Exists(images) ? Directory.EnumerateFiles(images, ImageManifest.FileName, new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 1 }) : [])
            {
                await using var stream = File.OpenRead(path);
                if (await JsonSerializer.DeserializeAsync(stream, CliJsonContext.Default.ImageManifest, ct).ConfigureAwait(false) is { } manifest)
                {
                    manifests.Add(manifest);
                }
            }

            manifests.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            if (parse.GetValue(json))
            {
                JsonOutput.Write(new JsonObject { ["images"] = JsonNode.Parse(JsonSerializer.Serialize(manifests, CliJsonContext.Default.ListImageManifest)) });
                return 0;
            }

            Table.Write(
                Console.Out,
                ["NAME", "SUITE", "PACKAGES", "ENVD", "BUILT"],
                manifests.Select(m => (IReadOnlyList<string>)[m.Name, m.Suite, m.Packages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), m.EnvdSha256[..Math.Min(12, m.EnvdSha256.Length)], m.BuiltAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)]));
            return 0;
        });

        var kernelForce = new Option<bool>("--force") { Description = "Install again even when the kernel is there" };
        var kernelDir = new Option<string>("--wrenn-dir")
        {
            Description = $"State directory (default ${WrennEnvironment.Dir} or {WrennEnvironment.DefaultDir})",
        };
        var kernel = new Command("kernel", "Install a guest kernel for the VM runtimes from Debian's linux-image-cloud-amd64 (and an initramfs for its virtio modules) into $WRENN_DIR/kernels") { kernelForce, kernelDir };
        kernel.SetAction(async (parse, _) =>
        {
            if (!Environment.IsPrivilegedProcess)
            {
                await Console.Error.WriteLineAsync("wrenn image kernel: must run as root (it writes under $WRENN_DIR); run it with sudo").ConfigureAwait(false);
                return 1;
            }

            var dir = parse.GetValue(kernelDir) ?? WrennEnvironment.Get(WrennEnvironment.Dir, WrennEnvironment.DefaultDir);
            try
            {
                await new KernelInstaller(Console.Out).InstallAsync(new WrennLayout(dir).Kernels, parse.GetValue(kernelForce), stop.Token).ConfigureAwait(false);
                return 0;
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException)
            {
                await Console.Error.WriteLineAsync("wrenn image kernel: " + ex.Message).ConfigureAwait(false);
                return 1;
            }
        });

        return new Command("image", "Base images and guest kernels") { build, list, kernel };
    }
}
