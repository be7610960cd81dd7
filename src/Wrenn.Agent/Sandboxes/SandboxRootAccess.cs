using Wrenn.Agent.Os;
using Wrenn.Agent.Storage.Ownership;
using Wrenn.Common.Files;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// The OCI runtime sets up a user-namespaced sandbox as the sandbox's root, an unprivileged host id,
/// which must be able to pass through every directory down to the sandbox's bundle. Nobody else may:
/// the state directory holds tenants' environment, files, memory and the agent's secret.
/// </summary>
public static class SandboxRootAccess
{
    /// <summary>rwx--x---: the agent, and sandbox root through the group, which may search but not list.</summary>
    private const UnixFileMode SandboxDirectoryMode = OwnerOnlyFiles.Directory | UnixFileMode.GroupExecute;

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

    /// <summary>
    /// Lets sandbox root (its host group, <paramref name="sandboxRoot"/>) and no other user pass through a sandbox's
    /// directory (rwx--x--- root:sandbox root); without a user namespace, only the agent (rwx------).
    /// </summary>
    public static void CloseSandboxDirectory(string directory, IdMapping? sandboxRoot)
    {
        if (sandboxRoot is null)
        {
            File.SetUnixFileMode(directory, OwnerOnlyFiles.Directory);
            return;
        }

        FileOwnership.SetOwner(directory, 0, sandboxRoot.HostId);
        File.SetUnixFileMode(directory, SandboxDirectoryMode);
    }

    /// <summary>
    /// At start: closes what earlier versions (or a looser umask) left open under <paramref name="options"/>' state
    /// directory. The directories down to the sandboxes keep o+x when sandbox root must pass; each sandbox's
    /// directory is closed as <see cref="CloseSandboxDirectory"/> does; the agent's own files in it lose every
    /// permission of others. Sandboxes' and templates' own trees (their root filesystems) are left as they are,
    /// and nothing behind a symbolic link (images may be one) is touched. Returns what it changed.
    /// </summary>
    public static IReadOnlyList<string> CloseStateDirectory(AgentOptions options, IdMapping? sandboxRoot)
    {
        var changed = new List<string>();
        foreach (var directory in new[] { options.WrennDir, options.SandboxesDir })
        {
            changed.AddRange(OwnerOnlyFiles.Close(directory));
            if (sandboxRoot is not null && Directory.Exists(directory))
            {
                LetTraverse(directory);
            }
        }

        changed.AddRange(OwnerOnlyFiles.Close(
            Path.Combine(options.WrennDir, Registration.HostCredentials.FileName),
            options.TemplatesDir,
            options.Layout.Snapshots,
            options.Layout.Logs));
        foreach (var directory in Children(options.TemplatesDir).Concat(Children(options.Layout.Snapshots)))
        {
            changed.AddRange(OwnerOnlyFiles.Close(directory));
        }

        foreach (var directory in Children(options.SandboxesDir))
        {
            var before = File.GetUnixFileMode(directory);
            CloseSandboxDirectory(directory, sandboxRoot);
            if (File.GetUnixFileMode(directory) != before)
            {
                changed.Add(directory);
            }

            changed.AddRange(OwnerOnlyFiles.Close(Directory.EnumerateFiles(directory)));
        }

        return changed;
    }

    /// <summary>Directories that other users cannot pass through, above <paramref name="directory"/>.</summary>
    public static IEnumerable<string> ClosedAncestors(string directory) =>
        ClosedDirectories.Above(directory, parent => File.GetUnixFileMode(parent));

    /// <summary>The real directories (not links) directly in <paramref name="directory"/>, if it exists.</summary>
    private static IEnumerable<string> Children(string directory) =>
        Directory.Exists(directory) && new DirectoryInfo(directory).LinkTarget is null
            ? Directory.EnumerateDirectories(directory).Where(d => new DirectoryInfo(d).LinkTarget is null).ToList()
            : [];
}
