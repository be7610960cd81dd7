using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Os;
using Wrenn.Agent.Storage;
using Wrenn.Agent.Storage.Ownership;

namespace Wrenn.Agent.Tests;

/// <summary>The template store on a temp $WRENN_DIR with a tiny fake base image (no sandbox needed).</summary>
public sealed class TemplateStoreTests : IDisposable
{
    private readonly string _wrennDir = Directory.CreateTempSubdirectory("wrenn-templates-test-").FullName;
    private readonly TemplateStore _store;

    public TemplateStoreTests()
    {
        var image = Directory.CreateDirectory(Path.Combine(_wrennDir, "images", "base", ImageStore.RootfsDirectoryName)).FullName;
        File.WriteAllText(Path.Combine(image, "hello"), "base");
        File.WriteAllText(Path.Combine(_wrennDir, "images", "base", ImageStore.ManifestFileName), "{}");
        var options = Microsoft.Extensions.Options.Options.Create(new AgentOptions { WrennDir = _wrennDir });
        _store = new TemplateStore(
            new ImageStore(options),
            new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance),
            options,
            NullLogger<TemplateStore>.Instance);
    }

    [Fact]
    public async Task Templates_stack_on_their_parent_and_resolve_top_first()
    {
        var ct = TestContext.Current.CancellationToken;
        var upper = Directory.CreateDirectory(Path.Combine(_wrennDir, "upper1")).FullName;
        File.WriteAllText(Path.Combine(upper, "added"), "12345");
        var first = await _store.CreateAsync("one", "base", "sb-0000000000000001", upper, 2, 256, IdMapping.Identity, ct);
        Assert.Equal(5, first.SizeBytes);
        await _store.CreateAsync("two", "one", "sb-0000000000000002", upper, 2, 256, IdMapping.Identity, ct);

        var layers = _store.ResolveLayers("two");
        Assert.Equal(
            [Path.Combine(_wrennDir, "templates", "two", "layer"), Path.Combine(_wrennDir, "templates", "one", "layer"), Path.Combine(_wrennDir, "images", "base", "rootfs")],
            layers);
        Assert.Equal("12345", File.ReadAllText(Path.Combine(layers[0], "added")));

        var parentInUse = Assert.Throws<TemplateInUseException>(() => _store.Delete("one", []));
        Assert.Contains("template two", parentInUse.Message, StringComparison.Ordinal);
        var sandboxInUse = Assert.Throws<TemplateInUseException>(() => _store.Delete("two", ["sb-0000000000000009"]));
        Assert.Contains("sandbox sb-0000000000000009", sandboxInUse.Message, StringComparison.Ordinal);
        _store.Delete("two", []);
        _store.Delete("one", []);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_wrennDir, "templates")));
        Assert.Throws<ImageNotFoundException>(() => _store.Delete("one", []));
    }

    [Fact]
    public async Task A_template_remembers_the_id_mapping_its_files_were_written_under()
    {
        var ct = TestContext.Current.CancellationToken;
        var upper = Directory.CreateDirectory(Path.Combine(_wrennDir, "upper-mapped")).FullName;
        var mapping = new IdMapping(200_000, 65_536);
        await _store.CreateAsync("mapped", "base", "sb-0000000000000001", upper, 1, 256, mapping, ct);
        await _store.CreateAsync("plain", "mapped", "sb-0000000000000002", upper, 1, 256, IdMapping.Identity, ct);

        var sources = _store.ResolveLayerSources("plain");
        Assert.Equal([IdMapping.Identity, mapping, IdMapping.Identity], sources.Select(s => s.Owners));
        Assert.Equal(_store.Find("mapped")!.CreatedAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), sources[1].Version);

        // The image's version follows its manifest, so a rebuilt image gets new shifted copies.
        var before = sources[2].Version;
        File.WriteAllText(Path.Combine(_wrennDir, "images", "base", ImageStore.ManifestFileName), "{\"rebuilt\":true}");
        Assert.NotEqual(before, _store.ResolveLayerSources("base")[0].Version);
    }

    [Fact]
    public async Task Taken_names_and_failed_copies_leave_nothing_behind()
    {
        var ct = TestContext.Current.CancellationToken;
        var upper = Directory.CreateDirectory(Path.Combine(_wrennDir, "upper")).FullName;
        await Assert.ThrowsAsync<TemplateExistsException>(() => _store.CreateAsync("base", "base", "sb-0000000000000001", upper, 1, 512, IdMapping.Identity, ct));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.CreateAsync("../x", "base", "sb-0000000000000001", upper, 1, 512, IdMapping.Identity, ct));

        // cp fails on a missing source: no staging directory and no template may remain.
        await Assert.ThrowsAsync<CommandFailedException>(() => _store.CreateAsync("broken", "base", "sb-0000000000000001", Path.Combine(_wrennDir, "missing"), 1, 512, IdMapping.Identity, ct));
        Assert.Null(_store.Find("broken"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_wrennDir, "templates")));

        await _store.CreateAsync("ok", "base", "sb-0000000000000001", upper, 1, 512, IdMapping.Identity, ct);
        await Assert.ThrowsAsync<TemplateExistsException>(() => _store.CreateAsync("ok", "base", "sb-0000000000000001", upper, 1, 512, IdMapping.Identity, ct));
    }

    [Fact]
    public void Interrupted_operations_are_removed_at_start_and_half_made_templates_are_not_templates()
    {
        var templates = Path.Combine(_wrennDir, "templates");
        Directory.CreateDirectory(Path.Combine(templates, ".staging-x-12345678", "layer"));
        Directory.CreateDirectory(Path.Combine(templates, ".deleting-y-12345678", "layer"));
        Directory.CreateDirectory(Path.Combine(templates, "half", "layer"));
        Assert.Null(_store.Find("half"));
        Assert.Throws<ImageNotFoundException>(() => _store.ResolveLayers("half"));

        _store.RemoveInterrupted();
        Assert.Equal([Path.Combine(templates, "half")], Directory.EnumerateDirectories(templates));
    }

    public void Dispose() => Directory.Delete(_wrennDir, recursive: true);
}
