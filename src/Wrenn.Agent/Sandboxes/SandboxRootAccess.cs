namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// The OCI runtime sets up a user-namespaced sandbox as the sandbox's root, an unprivileged host id,
/// which must be able to pass through every directory down to the sandbox's bundle.
/// </summary>
public static class SandboxRootAccess
{
    /// <summary>Adds o+x (search only: nothing can be listed) to the agent's own directories.</summary>
    public static void LetTraverse(params string[] directories)
    {
        foreach (var directory in directories)
        {
            var mode = File.GetUnixFileMode(directory);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
            {
                File.SetUnixFileMode(directory, mode | UnixFileMode.OtherExecute);
            }
        }
    }

    /// <summary>Directories above <paramref name="directory"/> that other users cannot pass through.</summary>
    public static IEnumerable<string> ClosedAncestors(string directory)
    {
        for (var parent = Path.GetDirectoryName(Path.GetFullPath(directory)); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (!File.GetUnixFileMode(parent).HasFlag(UnixFileMode.OtherExecute))
            {
                yield return parent;
            }
        }
    }
}
