namespace Wrenn.Cli.Up;

/// <summary>
/// The parent cgroups sandboxes live under (runc's /wrenn, the QEMU runtime's /wrenn-qemu; per
/// controller on cgroup v1, at the root on v2). runc creates a parent with the first sandbox and never
/// removes it; after `wrenn up --ephemeral` stops nothing of Wrenn's may stay, so the empty ones go.
/// A parent that still has sandbox groups (another agent's) is left alone: rmdir refuses it anyway.
/// </summary>
public static class CgroupParents
{
    /// <summary>The agent's default parents (ContainerRuntimeOptions and QemuRuntimeOptions; neither is configurable).</summary>
    private static readonly string[] Names = ["wrenn", "wrenn-qemu"];

    /// <summary>Removes the parents that hold no sandbox group; the paths removed.</summary>
    public static IReadOnlyList<string> RemoveEmpty(string root = "/sys/fs/cgroup")
    {
        if (!Directory.Exists(root))
        {
            return [];
        }

        var removed = new List<string>();
        foreach (var hierarchy in Directory.EnumerateDirectories(root).Prepend(root))
        {
            foreach (var name in Names)
            {
                var parent = Path.Combine(hierarchy, name);
                try
                {
                    if (Directory.Exists(parent) && !Directory.EnumerateDirectories(parent).Any())
                    {
                        // rmdir: a cgroup directory goes with its control files, and only when it has no children.
                        Directory.Delete(parent);
                        removed.Add(parent);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // In use again (a sandbox started meanwhile) or not ours to remove.
                }
            }
        }

        return removed;
    }
}
