using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Storage;
using Wrenn.Agent.Storage.Ownership;

namespace Wrenn.Agent.Tests.Storage.Ownership;

/// <summary>
/// At the agent's start each base image gets its shifted copy for the sandboxes' user namespace before
/// any create asks for it; a create then gets that copy; a stop during a copy leaves nothing half-made.
/// On a temp $WRENN_DIR with small images (the tests run as root).
/// </summary>
public sealed class LayerCopiesAheadTests : IDisposable
{
    private static readonly IdMapping Sandbox = new(100_000, 65_536);

    private readonly string _wrennDir = Directory.CreateTempSubdirectory("wrenn-layers-ahead-test-").FullName;
    private readonly IdShiftedLayers _layers;
    private readonly TemplateStore _templates;

    public LayerCopiesAheadTests()
    {
        var commands = new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance);
        var options = Microsoft.Extensions.Options.Options.Create(new AgentOptions { WrennDir = _wrennDir });
        _layers = new IdShiftedLayers(commands, NullLogger<IdShiftedLayers>.Instance);
        Images = new ImageStore(options);
        _templates = new TemplateStore(Images, commands, options, NullLogger<TemplateStore>.Instance);
    }

    private ImageStore Images { get; }

    private string ImagesDirectory => Path.Combine(_wrennDir, "images");

    [Fact]
    public async Task Each_image_has_its_copy_before_any_create_and_a_create_gets_that_copy()
    {
        var ct = TestContext.Current.CancellationToken;
        MakeImage("one", files: 3);
        MakeImage("two", files: 3);
        Directory.CreateDirectory(Path.Combine(ImagesDirectory, "half-built", ImageStore.RootfsDirectoryName)); // no manifest yet
        var ahead = NewService(Sandbox);

        await ahead.StartAsync(ct);
        await ahead.Copying;

        foreach (var image in new[] { "one", "two" })
        {
            var copy = Assert.Single(Directory.GetDirectories(Path.Combine(ImagesDirectory, image), ".idmap-*"));
            Assert.Equal($".idmap-{Sandbox.HostId}-{Images.GetVersion(image)}", Path.GetFileName(copy));
            Assert.Equal(Sandbox.HostId, FileOwnership.Stat(Path.Combine(copy, "file-0")).Uid);

            // The create's own resolution finds it: the same directory, not a second copy.
            Assert.Equal([copy], await _layers.ResolveAsync(_templates.ResolveLayerSources(image), Sandbox, ct));
        }

        Assert.Empty(Directory.GetDirectories(Path.Combine(ImagesDirectory, "half-built"), ".idmap-*"));
        await ahead.StopAsync(ct);
    }

    [Fact]
    public async Task Without_a_user_namespace_or_a_rootfs_on_the_host_nothing_is_copied()
    {
        var ct = TestContext.Current.CancellationToken;
        MakeImage("one", files: 3);
        var plain = NewService(userNamespace: null);
        var vm = new LayerCopiesAhead(_layers, _templates, Images, new FakeVmRuntime { Capabilities = new(MemorySnapshots: true, Isolation: "vm", Sandbox, HostRootfs: false) }, NullLogger<LayerCopiesAhead>.Instance);

        await plain.StartAsync(ct);
        await vm.StartAsync(ct);
        await plain.Copying;
        await vm.Copying;

        Assert.Empty(Directory.GetDirectories(Path.Combine(ImagesDirectory, "one"), ".idmap-*"));
        await plain.StopAsync(ct);
        await vm.StopAsync(ct);
    }

    [Fact]
    public async Task A_stop_during_the_copy_leaves_no_half_made_copy()
    {
        var ct = TestContext.Current.CancellationToken;
        MakeImage("big", files: 5_000);
        var ahead = NewService(Sandbox);

        await ahead.StartAsync(ct);
        var image = Path.Combine(ImagesDirectory, "big");
        await Waiting.UntilAsync(() => Directory.GetDirectories(image, ".idmap-*").Length > 0 || ahead.Copying.IsCompleted, "the copy never started", ct);
        await ahead.StopAsync(ct);

        // Stopped in the middle, nothing is left; finished before the stop came (a fast disk), the whole copy is.
        var left = Directory.GetDirectories(image, ".idmap-*");
        Assert.DoesNotContain(left, d => d.Contains(".staging-", StringComparison.Ordinal));
        Assert.All(left, d => Assert.Equal(5_000 + 1, Directory.GetFileSystemEntries(d).Length));
    }

    private LayerCopiesAhead NewService(IdMapping? userNamespace) =>
        new(_layers, _templates, Images, new FakeVmRuntime { Capabilities = new(MemorySnapshots: false, Isolation: "container", userNamespace, HostRootfs: true) }, NullLogger<LayerCopiesAhead>.Instance);

    private void MakeImage(string name, int files)
    {
        var rootfs = Directory.CreateDirectory(Path.Combine(ImagesDirectory, name, ImageStore.RootfsDirectoryName)).FullName;
        for (var i = 0; i < files; i++)
        {
            File.WriteAllText(Path.Combine(rootfs, $"file-{i}"), name);
        }

        Directory.CreateDirectory(Path.Combine(rootfs, "etc"));
        File.WriteAllText(Path.Combine(ImagesDirectory, name, ImageStore.ManifestFileName), $$"""{"name":"{{name}}"}""");
    }

    public void Dispose() => Directory.Delete(_wrennDir, recursive: true);
}
