namespace Wrenn.Agent.Snapshots;

/// <summary>
/// File names inside a memory snapshot directory (<c>$WRENN_DIR/snapshots/&lt;id&gt;/</c>):
/// <c>memfile.header</c> and one <c>memfile.&lt;buildId&gt;</c> per generation still referenced.
/// </summary>
public static class SnapshotDirectory
{
    /// <summary>The header's file name. Replaced by rename, so it is always one complete header.</summary>
    public const string HeaderFileName = "memfile.header";

    /// <summary>What every memfile's name starts with; the build id follows.</summary>
    public const string MemfilePrefix = "memfile.";

    /// <summary>Suffix of files being written; a crash leaves them behind and cleanup removes them.</summary>
    public const string TemporarySuffix = ".tmp";

    /// <summary>The header's path in <paramref name="directory"/>.</summary>
    public static string HeaderPath(string directory) => Path.Combine(directory, HeaderFileName);

    /// <summary>The path of generation <paramref name="buildId"/>'s memfile in <paramref name="directory"/>.</summary>
    public static string MemfilePath(string directory, Guid buildId) => Path.Combine(directory, MemfilePrefix + buildId.ToString("D"));

    /// <summary>
    /// Memfiles in <paramref name="directory"/> that <paramref name="header"/> does not reference, and
    /// files left half-written by an interrupted pause: safe to delete once <paramref name="header"/>
    /// is the stored one, because nothing will ever read them again. Files that are not ours are left out.
    /// </summary>
    public static IReadOnlyList<string> FindUnreferenced(string directory, SnapshotHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var referenced = header.Builds.ToHashSet();
        var unreferenced = new List<string>();
        foreach (var path in Directory.EnumerateFiles(directory, MemfilePrefix + "*"))
        {
            var name = Path.GetFileName(path);
            if (name == HeaderFileName)
            {
                continue;
            }

            if (name.EndsWith(TemporarySuffix, StringComparison.Ordinal))
            {
                unreferenced.Add(path);
            }
            else if (Guid.TryParseExact(name[MemfilePrefix.Length..], "D", out var buildId) && !referenced.Contains(buildId))
            {
                unreferenced.Add(path);
            }
        }

        unreferenced.Sort(StringComparer.Ordinal);
        return unreferenced;
    }
}
