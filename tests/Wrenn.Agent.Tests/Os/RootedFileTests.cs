using Wrenn.Agent.Os;

namespace Wrenn.Agent.Tests.Os;

/// <summary>
/// Writes into a tree someone else controls: whatever links and '..' the tree holds, nothing outside it
/// is read, written or made (the tests run as root, like the agent, so permissions stop nothing).
/// </summary>
public sealed class RootedFileTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("wrenn-rooted-test-").FullName;

    private string Root => Directory.CreateDirectory(Path.Combine(_base, "root")).FullName;

    /// <summary>A directory beside the root standing for the host's files: it must stay as it is.</summary>
    private string Outside => Directory.CreateDirectory(Path.Combine(_base, "outside")).FullName;

    [Fact]
    public void A_file_is_written_with_its_owner_and_mode_and_a_missing_directory_is_made()
    {
        using (var rooted = RootedFile.Open(Root))
        {
            rooted.WriteFile("/etc/hostname", "sbx\n"u8, 0x1A4, 100_000, 100_001);
        }

        var path = Path.Combine(Root, "etc", "hostname");
        Assert.Equal("sbx\n", File.ReadAllText(path));
        var (uid, gid, mode) = FileOwnership.Stat(path);
        Assert.Equal((100_000L, 100_001L, 0x1A4u), (uid, gid, mode & 0xFFF));
        Assert.Equal((100_000L, 100_001L), OwnersOf(Path.Combine(Root, "etc")));
        Assert.Equal(["hostname"], Directory.EnumerateFileSystemEntries(Path.Combine(Root, "etc")).Select(Path.GetFileName));
    }

    [Fact]
    public void A_parent_linked_to_an_absolute_host_path_resolves_inside_the_root()
    {
        File.WriteAllText(Path.Combine(Outside, "hosts"), "host's own\n");
        Directory.CreateSymbolicLink(Path.Combine(Root, "etc"), Outside);

        using (var rooted = RootedFile.Open(Root))
        {
            rooted.WriteFile("/etc/hosts", "sandbox's\n"u8, 0x1A4, 100_000, 100_000);
            rooted.WriteFile("/etc/hostname", "sbx\n"u8, 0x1A4, 100_000, 100_000);
        }

        AssertOutsideUntouched(("hosts", "host's own\n"));
        // The link names a path that, read inside the root, did not exist: it is made there.
        var inside = Path.Combine(Root, Outside.TrimStart('/'));
        Assert.Equal("sandbox's\n", File.ReadAllText(Path.Combine(inside, "hosts")));
        Assert.Equal("sbx\n", File.ReadAllText(Path.Combine(inside, "hostname")));
        Assert.Equal(LinkTarget(Path.Combine(Root, "etc")), Outside);
    }

    [Fact]
    public void A_leaf_link_is_replaced_not_written_through()
    {
        File.WriteAllText(Path.Combine(Outside, "resolv.conf"), "host's own\n");
        Directory.CreateDirectory(Path.Combine(Root, "etc"));
        File.CreateSymbolicLink(Path.Combine(Root, "etc", "resolv.conf"), Path.Combine(Outside, "resolv.conf"));
        File.CreateSymbolicLink(Path.Combine(Root, "etc", "hosts"), "../../outside/hosts-new");

        using (var rooted = RootedFile.Open(Root))
        {
            rooted.WriteFile("etc/resolv.conf", "nameserver 10.0.0.1\n"u8, 0x1A4, 100_000, 100_000);
            rooted.WriteFile("etc/hosts", "127.0.0.1 localhost\n"u8, 0x1A4, 100_000, 100_000);
        }

        AssertOutsideUntouched(("resolv.conf", "host's own\n"));
        var resolv = Path.Combine(Root, "etc", "resolv.conf");
        Assert.False(FileOwnership.IsSymbolicLink(FileOwnership.Stat(resolv).Mode));
        Assert.Equal("nameserver 10.0.0.1\n", File.ReadAllText(resolv));
        Assert.Equal("127.0.0.1 localhost\n", File.ReadAllText(Path.Combine(Root, "etc", "hosts")));
    }

    [Fact]
    public void Dot_dot_in_the_path_and_in_links_stops_at_the_root()
    {
        Directory.CreateDirectory(Path.Combine(Root, "a"));
        Directory.CreateSymbolicLink(Path.Combine(Root, "a", "up"), "../../../../../../outside");

        using (var rooted = RootedFile.Open(Root))
        {
            rooted.WriteFile("../../outside/escaped", "x"u8, 0x1A4, 0, 0);
            rooted.WriteFile("/a/up/through-link", "y"u8, 0x1A4, 0, 0);
            rooted.CreateDirectory("/a/up/made-dir", 0x1ED, 0, 0);
        }

        AssertOutsideUntouched();
        Assert.Equal("x", File.ReadAllText(Path.Combine(Root, "outside", "escaped")));
        Assert.Equal("y", File.ReadAllText(Path.Combine(Root, "outside", "through-link")));
        Assert.True(Directory.Exists(Path.Combine(Root, "outside", "made-dir")));
    }

    [Fact]
    public void A_leaf_that_is_a_directory_or_a_parent_that_is_a_file_fails_and_leaves_nothing()
    {
        Directory.CreateDirectory(Path.Combine(Root, "etc", "hostname"));
        File.WriteAllText(Path.Combine(Root, "file"), "f");

        using (var rooted = RootedFile.Open(Root))
        {
            Assert.Throws<IOException>(() => rooted.WriteFile("/etc/hostname", "x"u8, 0x1A4, 0, 0));
            Assert.Throws<IOException>(() => rooted.WriteFile("/file/hosts", "x"u8, 0x1A4, 0, 0));
        }

        Assert.Equal(["hostname"], Directory.EnumerateFileSystemEntries(Path.Combine(Root, "etc")).Select(Path.GetFileName));
        Assert.Equal("f", File.ReadAllText(Path.Combine(Root, "file")));
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private void AssertOutsideUntouched(params (string Name, string Content)[] expected)
    {
        var entries = Directory.EnumerateFileSystemEntries(Outside).Select(e => Path.GetFileName(e)).Order().ToList();
        Assert.Equal(expected.Select(e => e.Name).Order().ToList(), entries);
        foreach (var (name, content) in expected)
        {
            Assert.Equal(content, File.ReadAllText(Path.Combine(Outside, name)));
            Assert.Equal((0L, 0L), OwnersOf(Path.Combine(Outside, name)));
        }
    }

    private static (long Uid, long Gid) OwnersOf(string path)
    {
        var (uid, gid, _) = FileOwnership.Stat(path);
        return (uid, gid);
    }

    private static string? LinkTarget(string path) => new FileInfo(path).LinkTarget;
}
