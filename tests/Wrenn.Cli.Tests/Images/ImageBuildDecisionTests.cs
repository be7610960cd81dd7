using Wrenn.Cli.Images;

namespace Wrenn.Cli.Tests.Images;

public sealed class ImageBuildDecisionTests
{
    private static ImageManifest Manifest(string baseKey = "base", string injectKey = "inject") =>
        new("minimal", baseKey, injectKey, "bookworm", ["python3"], "envd-hash", DateTimeOffset.UnixEpoch);

    [Fact]
    public void Nothing_to_do_when_recipe_envd_and_init_are_unchanged() =>
        Assert.Equal(ImageBuildResult.AlreadyCurrent, ImageBuilder.Decide(Manifest(), "base", "inject", rootfsExists: true, force: false));

    [Fact]
    public void A_new_envd_or_init_only_reinjects() =>
        Assert.Equal(ImageBuildResult.Reinjected, ImageBuilder.Decide(Manifest(), "base", "other", rootfsExists: true, force: false));

    [Theory]
    [InlineData("changed-recipe", true, false)]
    [InlineData("base", false, false)]
    [InlineData("base", true, true)]
    public void A_changed_recipe_a_missing_rootfs_or_force_rebuild_everything(string baseKey, bool rootfsExists, bool force) =>
        Assert.Equal(ImageBuildResult.Built, ImageBuilder.Decide(Manifest(), baseKey, "inject", rootfsExists, force));

    [Fact]
    public void An_image_without_a_manifest_is_incomplete_and_rebuilt() =>
        Assert.Equal(ImageBuildResult.Built, ImageBuilder.Decide(null, "base", "inject", rootfsExists: true, force: false));
}
