namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// Which OCI runtime makes container sandboxes (WRENN_OCI_RUNTIME): <c>runc</c>, <c>crun</c>, another command on
/// PATH or a path taking the same command line, or <c>auto</c>: crun where it is installed and can run here, else runc.
/// crun 1.8 (Debian 12) refuses hosts whose cgroups are hybrid v1+v2 with any controller on the v2 side.
/// </summary>
public static class OciRuntimeChoice
{
    public const string Auto = "auto";
    public const string Runc = "runc";
    public const string Crun = "crun";

    private const string CgroupRoot = "/sys/fs/cgroup";

    /// <summary>The command to run for <paramref name="configured"/>, and why, for the log.</summary>
    public static (string Command, string Reason) Resolve(string configured, Func<string, string?> findOnPath, string cgroupRoot = CgroupRoot)
    {
        if (!string.Equals(configured, Auto, StringComparison.Ordinal))
        {
            return (configured, "configured");
        }

        if (findOnPath(Crun) is null)
        {
            return (Runc, "crun is not installed");
        }

        return CrunRefusesCgroups(cgroupRoot) is { } refusal ? (Runc, refusal) : (Crun, "crun is installed");
    }

    /// <summary>
    /// The runtime whose state holds container <paramref name="id"/> when it is not <paramref name="chosen"/>'s (one made
    /// before WRENN_OCI_RUNTIME changed), else <paramref name="chosen"/>: destroy, recovery and state ask the one that made it.
    /// </summary>
    public static string OwnerOf(string id, string chosen, string runcRoot = "/run/runc", string crunRoot = "/run/crun")
    {
        var name = Path.GetFileName(chosen);
        if (name == Runc && !Directory.Exists(Path.Combine(runcRoot, id)) && Directory.Exists(Path.Combine(crunRoot, id)))
        {
            return Crun;
        }

        if (name == Crun && !Directory.Exists(Path.Combine(crunRoot, id)) && Directory.Exists(Path.Combine(runcRoot, id)))
        {
            return Runc;
        }

        return chosen;
    }

    /// <summary>Why crun cannot run containers with cgroups here, or null when it can.</summary>
    internal static string? CrunRefusesCgroups(string cgroupRoot)
    {
        var unified = Path.Combine(cgroupRoot, "unified", "cgroup.controllers");
        if (File.Exists(Path.Combine(cgroupRoot, "cgroup.controllers")) || !File.Exists(unified))
        {
            return null;
        }

        var controllers = File.ReadAllText(unified).Trim();
        return controllers.Length == 0 ? null : $"crun refuses hybrid cgroups with controllers on the v2 side ({controllers})";
    }

    /// <summary>The first executable file named <paramref name="command"/> in PATH, or null.</summary>
    public static string? FindOnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, command))
            .FirstOrDefault(File.Exists);
}
