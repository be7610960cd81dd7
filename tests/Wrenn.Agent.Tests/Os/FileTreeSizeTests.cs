using System.IO.Enumeration;
using System.Runtime.InteropServices;
using Wrenn.Agent.Os;
using Wrenn.Agent.Storage;

namespace Wrenn.Agent.Tests.Os;

/// <summary>
/// Measuring a tree a running tenant controls: links, and directories swapped for links while the walk runs,
/// never make a host directory's files count (the tests run as root, like the agent).
/// </summary>
public sealed partial class FileTreeSizeTests : IDisposable
{
    private const int HostFileBytes = 3 * 1024 * 1024;

    private readonly string _base = Directory.CreateTempSubdirectory("wrenn-tree-size-test-").FullName;

    private string Tree => Directory.CreateDirectory(Path.Combine(_base, "tree")).FullName;

    /// <summary>A directory beside the tree standing for the host's files, holding one big file.</summary>
    private string Host
    {
        get
        {
            var host = Directory.CreateDirectory(Path.Combine(_base, "host")).FullName;
            WriteBytes(Path.Combine(host, "big"), HostFileBytes);
            return host;
        }
    }

    [Fact]
    public void A_normal_tree_measures_what_the_path_based_walk_measured()
    {
        WriteBytes(Path.Combine(Tree, "a"), 10);
        WriteBytes(Path.Combine(Tree, ".hidden"), 7);
        WriteBytes(Path.Combine(Tree, "empty"), 0);
        Directory.CreateDirectory(Path.Combine(Tree, "d", "e", "f"));
        WriteBytes(Path.Combine(Tree, "d", "b"), 4096);
        WriteBytes(Path.Combine(Tree, "d", "e", "f", "c"), 100_001);
        File.CreateSymbolicLink(Path.Combine(Tree, "d", "link-to-a"), "../a");
        // A hard link is one more name of a; both names count, as before.
        Assert.Equal(0, Link(Path.Combine(Tree, "a"), Path.Combine(Tree, "d", "hard-a")));
        Assert.Equal(0, MkFifo(Path.Combine(Tree, "d", "fifo"), 0x1B6));

        Assert.Equal(10 + 7 + 0 + 4096 + 100_001 + 10, FileTreeSize.Measure(Tree));
        Assert.Equal(PathBasedSize(Tree, beforeEntering: null), FileTreeSize.Measure(Tree));
    }

    [Fact]
    public void Links_to_a_host_directory_and_file_count_nothing()
    {
        var host = Host;
        WriteBytes(Path.Combine(Tree, "own"), 5);
        Directory.CreateSymbolicLink(Path.Combine(Tree, "etc"), host);
        File.CreateSymbolicLink(Path.Combine(Tree, "big"), Path.Combine(host, "big"));
        Directory.CreateDirectory(Path.Combine(Tree, "sub"));
        Directory.CreateSymbolicLink(Path.Combine(Tree, "sub", "up"), "../../host");

        Assert.Equal(5, FileTreeSize.Measure(Tree));
    }

    [Fact]
    public void A_directory_swapped_for_a_link_before_it_is_entered_is_not_followed()
    {
        var host = Host;
        WriteBytes(Path.Combine(Tree, "own"), 5);
        WriteBytes(Path.Combine(Tree, "var", "log", "small"), 11);

        // What a racing tenant does: "var" was a directory when the walk looked at it, and is a link to the
        // host's directory by the time the walk opens it.
        void SwapVarForLink(string directory)
        {
            if (directory == "var")
            {
                Directory.Move(Path.Combine(Tree, "var"), Path.Combine(_base, "var.real"));
                Directory.CreateSymbolicLink(Path.Combine(Tree, "var"), host);
            }
        }

        // The path-based walk (what the agent ran before) follows the swapped-in link and counts the host's file.
        Assert.Equal(5 + HostFileBytes, PathBasedSize(Tree, SwapVarForLink));

        Directory.Delete(Path.Combine(Tree, "var"));
        Directory.Move(Path.Combine(_base, "var.real"), Path.Combine(Tree, "var"));
        Assert.Equal(5, FileTreeSize.Measure(Tree, SwapVarForLink));
        Assert.True(new FileInfo(Path.Combine(Tree, "var")).LinkTarget is not null);
    }

    [Fact]
    public void A_tree_deeper_than_any_path_is_measured_down_to_the_cap_without_failing()
    {
        // Two chains of 1300 levels, one moved into the other's bottom, as a tenant can: 2602 levels, deeper
        // than PATH_MAX allows naming by path and than the walk's cap.
        WriteBytes(Path.Combine(Tree, "d", "near"), 9);
        const string MakeDeepTree = "cd \"$1\"/d && p=$(printf 'd/%.0s' $(seq 1300)) && mkdir -p \"$p\" \"x/$p\" && printf 12345 > \"x/$p/deep\" && mv x \"$p\"";
        Assert.Equal(0, Shell(MakeDeepTree, Tree));

        Assert.Equal(9, FileTreeSize.Measure(Tree));
    }

    [Fact]
    public void A_sandbox_upper_layer_is_measured_and_a_missing_one_is_zero()
    {
        var sandbox = Path.Combine(_base, "sandbox");
        Assert.Equal(0, OverlayRootfs.UsedBytes(sandbox));

        var upper = OverlayRootfs.UpperDirectory(sandbox);
        WriteBytes(Path.Combine(upper, "root", "file"), 123);
        Directory.CreateSymbolicLink(Path.Combine(upper, "etc"), Host);
        Assert.Equal(123, OverlayRootfs.UsedBytes(sandbox));
    }

    /// <summary>rm walks by descriptor: .NET's delete fails on trees deeper than a path can name.</summary>
    public void Dispose() => Assert.Equal(0, Shell("rm -rf \"$1\"", _base));

    /// <summary>
    /// The walk the agent ran before, by path with .NET's enumeration: links skipped when listed, but each
    /// directory opened by its path later. <paramref name="beforeEntering"/> runs where that walk decided to go in.
    /// </summary>
    private static long PathBasedSize(string root, Action<string>? beforeEntering)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        var files = new FileSystemEnumerable<long>(root, (ref FileSystemEntry entry) => entry.Length, options)
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory,
            ShouldRecursePredicate = (ref FileSystemEntry entry) =>
            {
                beforeEntering?.Invoke(Path.GetRelativePath(root, entry.ToFullPath()));
                return true;
            },
        };
        return files.Sum();
    }

    private static int Shell(string script, string argument)
    {
        using var process = System.Diagnostics.Process.Start("sh", ["-c", script, "sh", argument])!;
        process.WaitForExit();
        return process.ExitCode;
    }

    private static void WriteBytes(string path, int count)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[count]);
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string created);

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkFifo(string path, uint mode);
}
