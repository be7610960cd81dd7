using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Os;
using Wrenn.Agent.Storage;

namespace Wrenn.Agent.Tests.Storage;

/// <summary>
/// The agent's walks of trees a tenant wrote (removing a sandbox or template, setting modes on a copied
/// layer) act on links themselves and never reach what they point at (the tests run as root, like the agent).
/// </summary>
public sealed class HostWalkLinkTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("wrenn-walk-test-").FullName;

    [Fact]
    public void Removing_a_tree_removes_its_links_not_what_they_point_at()
    {
        var outside = Directory.CreateDirectory(Path.Combine(_base, "outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "keep"), "host's own");
        var tree = Directory.CreateDirectory(Path.Combine(_base, "tree", "etc")).Parent!.FullName;
        Directory.CreateSymbolicLink(Path.Combine(tree, "etc", "dir-link"), outside);
        File.CreateSymbolicLink(Path.Combine(tree, "file-link"), Path.Combine(outside, "keep"));

        DirectoryRemoval.RemoveQuietly(tree, NullLogger.Instance);

        Assert.False(Directory.Exists(tree));
        Assert.Equal("host's own", File.ReadAllText(Path.Combine(outside, "keep")));
    }

    [Fact]
    public void Setting_a_mode_on_a_link_fails_and_leaves_its_target_alone()
    {
        var target = Path.Combine(_base, "target");
        File.WriteAllText(target, "x");
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var link = Path.Combine(_base, "link");
        File.CreateSymbolicLink(link, target);

        Assert.Throws<IOException>(() => FileOwnership.SetMode(link, 0x9ED));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target));

        FileOwnership.SetMode(target, 0x9ED);
        Assert.Equal(0x9EDu, FileOwnership.Stat(target).Mode & 0xFFF);
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);
}
