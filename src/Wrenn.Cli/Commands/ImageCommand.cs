using System.CommandLine;
using Wrenn.Cli.Images;
using Wrenn.Common.Configuration;

namespace Wrenn.Cli.Commands;

/// <summary>`wrenn image build NAME`: make a base image under $WRENN_DIR/images.</summary>
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
                Path.Combine(dir, "images"),
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

        return new Command("image", "Base images") { build };
    }
}
