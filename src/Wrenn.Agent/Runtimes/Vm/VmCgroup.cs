using System.Globalization;

namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>
/// A VM's own cgroup, <c>&lt;parent&gt;/&lt;sandbox id&gt;</c>, with the sandbox's limits: memory (the
/// guest's plus the VMM's overhead) and CPU time (one CPU per vCPU), on cgroup v1 (one directory in
/// the memory and the cpu hierarchy, as runc makes them for containers) or v2 (one directory). The
/// launcher moves the VMM into it before it execs, so every thread it ever has is inside.
/// </summary>
public static class VmCgroup
{
    public const string Root = "/sys/fs/cgroup";
    private const long CpuPeriodMicroseconds = 100_000;

    /// <summary>True on a unified (v2 only) hierarchy.</summary>
    public static bool IsUnified => File.Exists(Path.Combine(Root, "cgroup.controllers"));

    /// <summary>The directories this VM's cgroup has: one per v1 hierarchy used, or the one v2 directory.</summary>
    public static IReadOnlyList<string> Directories(string parent, string sandboxId)
    {
        var relative = Path.Combine(parent.Trim('/'), sandboxId);
        return IsUnified
            ? [Path.Combine(Root, relative)]
            : [Path.Combine(Root, "memory", relative), Path.Combine(Root, "cpu", relative)];
    }

    /// <summary>
    /// Makes the cgroup with its limits and returns the <c>cgroup.procs</c> files a process writes its
    /// pid into to join it. Made afresh: a leftover of the same name is removed first.
    /// </summary>
    public static async Task<IReadOnlyList<string>> CreateAsync(string parent, string sandboxId, long memoryBytes, long vcpus, CancellationToken cancellationToken)
    {
        await RemoveAsync(parent, sandboxId, cancellationToken).ConfigureAwait(false);
        var directories = Directories(parent, sandboxId);
        var quota = (vcpus * CpuPeriodMicroseconds).ToString(CultureInfo.InvariantCulture);
        var period = CpuPeriodMicroseconds.ToString(CultureInfo.InvariantCulture);
        var memory = memoryBytes.ToString(CultureInfo.InvariantCulture);
        try
        {
            if (IsUnified)
            {
                // v2: a child gets memory and cpu files only when every ancestor hands the controllers down.
                var parentDirectory = Path.GetDirectoryName(directories[0])!;
                Directory.CreateDirectory(parentDirectory);
                EnableControllers(Root);
                EnableControllers(parentDirectory);
                Directory.CreateDirectory(directories[0]);
                File.WriteAllText(Path.Combine(directories[0], "memory.max"), memory);
                File.WriteAllText(Path.Combine(directories[0], "memory.swap.max"), "0");
                File.WriteAllText(Path.Combine(directories[0], "cpu.max"), $"{quota} {period}");
            }
            else
            {
                Directory.CreateDirectory(directories[0]);
                File.WriteAllText(Path.Combine(directories[0], "memory.limit_in_bytes"), memory);
                Directory.CreateDirectory(directories[1]);
                File.WriteAllText(Path.Combine(directories[1], "cpu.cfs_period_us"), period);
                File.WriteAllText(Path.Combine(directories[1], "cpu.cfs_quota_us"), quota);
            }
        }
        catch
        {
            await RemoveAsync(parent, sandboxId, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return [.. directories.Select(d => Path.Combine(d, "cgroup.procs"))];
    }

    /// <summary>
    /// Removes the VM's cgroup. Only an empty cgroup can go: a process that just exited may still be
    /// counted for a moment, so this retries briefly before it gives up with the error.
    /// </summary>
    public static async Task RemoveAsync(string parent, string sandboxId, CancellationToken cancellationToken)
    {
        foreach (var directory in Directories(parent, sandboxId))
        {
            for (var attempt = 0; Directory.Exists(directory); attempt++)
            {
                try
                {
                    // A cgroup directory holds only the kernel's files: rmdir, never a recursive delete.
                    Directory.Delete(directory);
                }
                catch (IOException) when (attempt < 50)
                {
                    await Task.Delay(20, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// Removes every empty VM cgroup under <paramref name="parent"/> whose sandbox <paramref name="keep"/>
    /// does not name (a sandbox being created makes its cgroup just before its VMM joins it), then the
    /// parent if empty; ones still in use stay.
    /// </summary>
    public static IReadOnlyList<string> RemoveEmpty(string parent, Func<string, bool> keep)
    {
        var removed = new List<string>();
        var parents = IsUnified ? [Path.Combine(Root, parent.Trim('/'))] : new[] { "memory", "cpu" }.Select(h => Path.Combine(Root, h, parent.Trim('/')));
        foreach (var directory in parents.Where(Directory.Exists))
        {
            foreach (var child in Directory.EnumerateDirectories(directory).Where(c => !keep(Path.GetFileName(c))).Append(directory))
            {
                try
                {
                    Directory.Delete(child);
                    removed.Add(child);
                }
                catch (IOException)
                {
                    // In use (a VM runs in it) or not empty: it stays.
                }
            }
        }

        return removed;
    }

    /// <summary>Adds memory and cpu to what <paramref name="directory"/> hands down to its children (v2).</summary>
    private static void EnableControllers(string directory)
    {
        var enabled = File.ReadAllText(Path.Combine(directory, "cgroup.subtree_control")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var missing = new[] { "memory", "cpu" }.Where(c => !enabled.Contains(c)).Select(c => "+" + c).ToList();
        if (missing.Count > 0)
        {
            File.WriteAllText(Path.Combine(directory, "cgroup.subtree_control"), string.Join(' ', missing));
        }
    }
}
