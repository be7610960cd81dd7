namespace Wrenn.Common.Files;

/// <summary>
/// Directories other users cannot pass through (no o+x) above a directory: container sandbox root, an
/// unprivileged host user, must pass through every one of them to reach its root filesystem under $WRENN_DIR.
/// </summary>
public static class ClosedDirectories
{
    /// <summary>
    /// The directories above <paramref name="directory"/>, nearest first, whose mode (from <paramref name="modeOf"/>;
    /// null for one that does not exist, which is skipped) lacks o+x.
    /// </summary>
    public static IEnumerable<string> Above(string directory, Func<string, UnixFileMode?> modeOf)
    {
        for (var parent = Path.GetDirectoryName(Path.GetFullPath(directory)); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (modeOf(parent) is { } mode && !mode.HasFlag(UnixFileMode.OtherExecute))
            {
                yield return parent;
            }
        }
    }
}
