using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Os;
using Wrenn.Agent.Storage;
using Wrenn.Agent.Storage.Ownership;
using Wrenn.Agent.Transfers;

namespace Wrenn.Agent.Tests.Transfers;

/// <summary>
/// A template packed on one host and received on another (two temp $WRENN_DIRs with a tiny fake base
/// image, no sandbox): what an overlay layer needs arrives intact, and a damaged, cut-short or
/// misplaced archive is refused with nothing left in the receiver's templates directory.
/// </summary>
public sealed class TemplateTransfersTests : IDisposable
{
    private const string Parent = "tpl-00000000000000c1";
    private const string Child = "tpl-00000000000000c2";
    private readonly string _root = Directory.CreateTempSubdirectory("wrenn-transfers-test-").FullName;
    private readonly (TemplateStore Store, TemplateTransfers Transfers, string Dir) _a;
    private readonly (TemplateStore Store, TemplateTransfers Transfers, string Dir) _b;

    public TemplateTransfersTests()
    {
        _a = Host("a");
        _b = Host("b");
    }

    [Fact]
    public async Task A_template_arrives_on_another_host_with_its_files_owners_modes_deleted_file_markers_and_opaque_directories()
    {
        var ct = TestContext.Current.CancellationToken;
        var upper = Directory.CreateDirectory(Path.Combine(_root, "upper")).FullName;
        File.WriteAllText(Path.Combine(upper, "app.py"), "print('hi')");
        FileOwnership.SetOwner(Path.Combine(upper, "app.py"), 12345, 23456);
        File.SetUnixFileMode(Path.Combine(upper, "app.py"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        File.CreateSymbolicLink(Path.Combine(upper, "link"), "/etc/hostname");
        var opaque = Directory.CreateDirectory(Path.Combine(upper, "opaque")).FullName;
        TestXattr.Set(opaque, "trusted.overlay.opaque", "y");
        await ((ICommandRunner)new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance)).RunCheckedAsync("mknod", [Path.Combine(upper, "deleted"), "c", "0", "0"], ct);
        var made = await _a.Store.CreateAsync(Parent, "base", "sb-0000000000000001", upper, 2, 256, IdMapping.Identity, ct);

        var received = await CopyAsync(Parent, ct);

        Assert.Equal(made, received);
        Assert.Equal(made, _b.Store.Find(Parent));
        var layer = _b.Store.ResolveLayers(Parent)[0];
        Assert.Equal(Path.Combine(_b.Dir, "templates", Parent, "layer"), layer);
        Assert.Equal("print('hi')", File.ReadAllText(Path.Combine(layer, "app.py")));
        var (uid, gid, mode) = FileOwnership.Stat(Path.Combine(layer, "app.py"));
        Assert.Equal((12345L, 23456L, 0x1A0u), (uid, gid, mode & 0xFFF));
        Assert.Equal("/etc/hostname", new FileInfo(Path.Combine(layer, "link")).LinkTarget);
        Assert.Equal("y", TestXattr.Get(Path.Combine(layer, "opaque"), "trusted.overlay.opaque"));
        Assert.Equal(0x2000u, FileOwnership.Stat(Path.Combine(layer, "deleted")).Mode & 0xF000);

        // Only root may read a template (a VM's holds its memory): the copy is as closed as the original.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_b.Dir, "templates", Parent)));
        AssertOnlyTemplates(_a.Dir, Parent);
        AssertOnlyTemplates(_b.Dir, Parent);

        // A second copy is refused: the host has it.
        await Assert.ThrowsAsync<TemplateExistsException>(() => CopyAsync(Parent, ct));
        AssertOnlyTemplates(_b.Dir, Parent);
    }

    [Fact]
    public async Task A_damaged_or_cut_short_archive_is_refused_and_leaves_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await MakeAsync(_a.Store, Parent, "base", ct);
        using var archive = await _a.Transfers.ExportAsync(Parent, ct);
        var bytes = await File.ReadAllBytesAsync(archive.ArchivePath, ct);

        var damaged = (byte[])bytes.Clone();
        damaged[damaged.Length / 3] ^= 0x01;
        await Assert.ThrowsAsync<TemplateChecksumMismatchException>(() => _b.Transfers.ImportAsync(Parent, "base", archive.ArchiveBytes, archive.Sha256, new MemoryStream(damaged), ct));
        AssertOnlyTemplates(_b.Dir);

        await Assert.ThrowsAsync<TemplateChecksumMismatchException>(() => _b.Transfers.ImportAsync(Parent, "base", archive.ArchiveBytes, archive.Sha256, new MemoryStream(bytes[..^512]), ct));
        AssertOnlyTemplates(_b.Dir);

        // More bytes than the header promised are not written on.
        await Assert.ThrowsAsync<TemplateChecksumMismatchException>(() => _b.Transfers.ImportAsync(Parent, "base", archive.ArchiveBytes, archive.Sha256, new MemoryStream([.. bytes, .. new byte[4096]]), ct));
        AssertOnlyTemplates(_b.Dir);

        // The sound archive is stored.
        await _b.Transfers.ImportAsync(Parent, "base", archive.ArchiveBytes, archive.Sha256, new MemoryStream(bytes), ct);
        AssertOnlyTemplates(_b.Dir, Parent);
    }

    [Fact]
    public async Task A_template_whose_parent_the_host_lacks_is_refused_and_an_archive_of_another_template_too()
    {
        var ct = TestContext.Current.CancellationToken;
        await MakeAsync(_a.Store, Parent, "base", ct);
        await MakeAsync(_a.Store, Child, Parent, ct);

        var missing = await Assert.ThrowsAsync<TemplateParentMissingException>(() => CopyAsync(Child, ct));
        Assert.Equal(Parent, missing.Parent);
        AssertOnlyTemplates(_b.Dir);

        // The parent first, then the child: it stands on the received parent.
        await CopyAsync(Parent, ct);
        await CopyAsync(Child, ct);
        Assert.Equal(3, _b.Store.ResolveLayers(Child).Count);

        // An archive stored under another template's id would give sandboxes the wrong files.
        const string Other = "tpl-00000000000000c3";
        using var archive = await _a.Transfers.ExportAsync(Parent, ct);
        await using var content = File.OpenRead(archive.ArchivePath);
        await Assert.ThrowsAsync<ArgumentException>(() => _b.Transfers.ImportAsync(Other, "base", archive.ArchiveBytes, archive.Sha256, content, ct));
        AssertOnlyTemplates(_b.Dir, Parent, Child);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private async Task<TemplateManifest> CopyAsync(string name, CancellationToken ct)
    {
        using var archive = await _a.Transfers.ExportAsync(name, ct);
        await using var content = File.OpenRead(archive.ArchivePath);
        return await _b.Transfers.ImportAsync(archive.Name, archive.Parent, archive.ArchiveBytes, archive.Sha256, content, ct);
    }

    private async Task MakeAsync(TemplateStore store, string name, string parent, CancellationToken ct)
    {
        var upper = Directory.CreateDirectory(Path.Combine(_root, "upper-" + name)).FullName;
        await File.WriteAllTextAsync(Path.Combine(upper, name), new string('x', 100_000), ct);
        await store.CreateAsync(name, parent, "sb-0000000000000001", upper, 1, 256, IdMapping.Identity, ct);
    }

    /// <summary>The host's templates directory holds exactly these templates: no staging or half-received directory.</summary>
    private static void AssertOnlyTemplates(string wrennDir, params string[] names)
    {
        var templates = Path.Combine(wrennDir, "templates");
        var present = Directory.Exists(templates) ? Directory.EnumerateFileSystemEntries(templates).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray() : [];
        Assert.Equal(names.Order(StringComparer.Ordinal).ToArray(), present);
    }

    private (TemplateStore Store, TemplateTransfers Transfers, string Dir) Host(string name)
    {
        var wrennDir = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        var image = Directory.CreateDirectory(Path.Combine(wrennDir, "images", "base", ImageStore.RootfsDirectoryName)).FullName;
        File.WriteAllText(Path.Combine(image, "hello"), "base");
        File.WriteAllText(Path.Combine(wrennDir, "images", "base", ImageStore.ManifestFileName), "{}");
        var options = Microsoft.Extensions.Options.Options.Create(new AgentOptions { WrennDir = wrennDir });
        var images = new ImageStore(options);
        var commands = new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance);
        var store = new TemplateStore(images, commands, options, NullLogger<TemplateStore>.Instance);
        return (store, new TemplateTransfers(store, images, commands, options, NullLogger<TemplateTransfers>.Instance), wrennDir);
    }
}
