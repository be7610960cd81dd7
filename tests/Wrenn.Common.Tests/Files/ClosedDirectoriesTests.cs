using Wrenn.Common.Files;

namespace Wrenn.Common.Tests.Files;

/// <summary>The directories above $WRENN_DIR that sandbox root could not pass through, as the agent and the doctor both see them.</summary>
public sealed class ClosedDirectoriesTests
{
    private const UnixFileMode Open = (UnixFileMode)0b111_101_101;
    private const UnixFileMode Closed = (UnixFileMode)0b111_000_000;

    [Fact]
    public void Closed_directories_above_are_named_nearest_first_and_missing_ones_are_skipped()
    {
        var modes = new Dictionary<string, UnixFileMode?>(StringComparer.Ordinal)
        {
            ["/"] = Open,
            ["/srv"] = Closed,
            ["/srv/a"] = Open,
            ["/srv/a/b"] = Closed,
            ["/srv/a/b/c"] = null,
        };

        Assert.Equal(["/srv/a/b", "/srv"], ClosedDirectories.Above("/srv/a/b/c/wrenn", path => modes[path]));
        Assert.Empty(ClosedDirectories.Above("/srv/a/wrenn", path => path == "/srv" ? Open : modes[path]));
    }
}
