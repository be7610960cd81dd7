using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Os;
using Wrenn.Agent.Storage;
using Wrenn.Agent.Storage.Ownership;

namespace Wrenn.Agent.Tests.Storage;

/// <summary>The template store on a temp $WRENN_DIR with a tiny fake base image (no sandbox needed).</summary>
public sealed class TemplateStoreTests : IDisposable
{
    private const string One = "tpl-0000000000000001";
    private const string Two = "tpl-0000000000000002";
    private const string Mapped = "tpl-00000000000000a1";
    private const string Plain = "tpl-00000000000000a2";
    private const string Ok = "tpl-00000000000000b1";
    private const string Broken = "tpl-00000000000000b2";
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
        var first = await _store.CreateAsync(One, "base", "sb-0000000000000001", upper, 2, 256, IdMapping.Identity, ct);
        Assert.Equal(5, first.SizeBytes);
        await _store.CreateAsync(Two, One, "sb-0000000000000002", upper, 2, 256, IdMapping.Identity, ct);

        var layers = _store.ResolveLayers(Two);
        Assert.Equal(
            [Path.Combine(_wrennDir, "templates", Two, "layer"), Path.Combine(_wrennDir, "templates", One, "layer"), Path.Combine(_wrennDir, "images", "base", "rootfs")],
            layers);
        Assert.Equal("12345", File.ReadAllText(Path.Combine(layers[0], "added")));

        var parentInUse = Assert.Throws<TemplateInUseException>(() => _store.Delete(One, []));
        Assert.Contains("template " + Two, parentInUse.Message, StringComparison.Ordinal);
        var sandboxInUse = Assert.Throws<TemplateInUseException>(() => _store.Delete(Two, ["sb-0000000000000009"]));
        Assert.Contains("sandbox sb-0000000000000009", sandboxInUse.Message, StringComparison.Ordinal);
        _store.Delete(Two, []);
        _store.Delete(One, []);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_wrennDir, "templates")));
        Assert.Throws<ImageNotFoundException>(() => _store.Delete(One, []));
    }

    [Fact]
    public async Task A_template_remembers_the_id_mapping_its_files_were_written_under()
    {
        var ct = TestContext.Current.CancellationToken;
        var upper = Directory.CreateDirectory(Path.Combine(_wrennDir, "upper-mapped")).FullName;
        var mapping = new IdMapping(200_000, 65_536);
        await _store.CreateAsync(Mapped, "base", "sb-0000000000000001", upper, 1, 256, mapping, ct);
        await _store.CreateAsync(Plain, Mapped, "sb-0000000000000002", upper, 1, 256, IdMapping.Identity, ct);

        var sources = _store.ResolveLayerSources(Plain);
        Assert.Equal([IdMapping.Identity, mapping, IdMapping.Identity], sources.Select(s => s.Owners));
        Assert.Equal(_store.Find(Mapped)!.CreatedAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), sources[1].Version);

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
        Assert.Throws<TemplateExistsException>(() => _store.RequireNotAnImage("base"));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.CreateAsync("../x", "base", "sb-0000000000000001", upper, 1, 512, IdMapping.Identity, ct));

        // cp fails on a missing source: no staging directory and no template may remain.
        await Assert.ThrowsAsync<CommandFailedException>(() => _store.CreateAsync(Broken, "base", "sb-0000000000000001", Path.Combine(_wrennDir, "missing"), 1, 512, IdMapping.Identity, ct));
        Assert.Null(_store.Find(Broken));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_wrennDir, "templates")));

        await _store.CreateAsync(Ok, "base", "sb-0000000000000001", upper, 1, 512, IdMapping.Identity, ct);
        await Assert.ThrowsAsync<TemplateExistsException>(() => _store.CreateAsync(Ok, "base", "sb-0000000000000001", upper, 1, 512, IdMapping.Identity, ct));
    }

    [Fact]
    public void Interrupted_operations_are_removed_at_start_and_half_made_templates_are_not_templates()
    {
        var templates = Path.Combine(_wrennDir, "templates");
        Directory.CreateDirectory(Path.Combine(templates, ".staging-x-12345678", "layer"));
        Directory.CreateDirectory(Path.Combine(templates, ".deleting-y-12345678", "layer"));
        Directory.CreateDirectory(Path.Combine(templates, "tpl-00000000000000c1", "layer"));
        Assert.Null(_store.Find("tpl-00000000000000c1"));
        Assert.Throws<ImageNotFoundException>(() => _store.ResolveLayers("tpl-00000000000000c1"));

        _store.RemoveInterrupted();
        Assert.Equal([Path.Combine(templates, "tpl-00000000000000c1")], Directory.EnumerateDirectories(templates));
    }

    [Fact]
    public async Task Templates_are_stored_and_found_only_by_id_never_by_a_name()
    {
        var ct = TestContext.Current.CancellationToken;
        var upper = Directory.CreateDirectory(Path.Combine(_wrennDir, "upper-named")).FullName;
        File.WriteAllText(Path.Combine(upper, "secret"), "team a");

        // Names are the teams' (kept by the control plane); a host stores nothing under one.
        await Assert.ThrowsAsync<ArgumentException>(() => _store.CreateAsync("py", "base", "sb-0000000000000001", upper, 1, 256, IdMapping.Identity, ct));
        await _store.CreateAsync(One, "base", "sb-0000000000000001", upper, 1, 256, IdMapping.Identity, ct);
        Assert.True(Directory.Exists(Path.Combine(_wrennDir, "templates", One, "layer")));

        // A template an older agent stored under its (global, guessable) name is never found again:
        // the name resolves as an image, which does not exist.
        var legacy = Path.Combine(_wrennDir, "templates", "py");
        CopyDirectory(Path.Combine(_wrennDir, "templates", One), legacy);
        Assert.Null(_store.Find("py"));
        Assert.Throws<ImageNotFoundException>(() => _store.ResolveLayers("py"));
        Assert.DoesNotContain(_store.List(), t => t.Name == "py");

        // At start it is reported, and left for the operator.
        _store.RemoveInterrupted();
        Assert.True(Directory.Exists(legacy));
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    public void Dispose() => Directory.Delete(_wrennDir, recursive: true);
}
