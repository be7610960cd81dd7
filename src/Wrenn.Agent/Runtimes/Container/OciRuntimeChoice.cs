namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// Which OCI runtime makes container sandboxes (WRENN_OCI_RUNTIME): <c>runc</c>, <c>crun</c>, another command on
/// PATH or a path taking the same command line, or <c>auto</c>: crun where it is installed and can run here, else runc.
/// crun 1.8 (Debian 12) refuses hosts whose cgroups are hybrid v1+v2 with any controller on the v2 side; there it runs
/// through the legacy cgroup view (<see cref="OciInvocation"/>).
/// </summary>
public static class OciRuntimeChoice
{
    public const string Auto = "auto";
    public const string Runc = "runc";
    public const string Crun = "crun";

    private const string CgroupRoot = "/sys/fs/cgroup";

    /// <summary>
    /// How to run <paramref name="configured"/>, and why, for the log. Where crun refuses the host's hybrid cgroups it
    /// runs through the legacy cgroup view (<see cref="OciInvocation"/>) when unshare is installed and
    /// <paramref name="viewWorks"/> says the view can be made here; <c>auto</c> falls back to runc when it cannot.
    /// </summary>
    public static (OciInvocation Oci, string Reason) Resolve(
        string configured,
        Func<string, string?> findOnPath,
        Func<OciInvocation, bool> viewWorks,
        string cgroupRoot = CgroupRoot)
    {
        var auto = string.Equals(configured, Auto, StringComparison.Ordinal);
        if (!auto && Path.GetFileName(configured) != Crun)
        {
            return (new OciInvocation(configured), "configured");
        }

        if (auto && findOnPath(Crun) is null)
        {
            return (new OciInvocation(Runc), "crun is not installed");
        }

        var crun = auto ? Crun : configured;
        var why = auto ? "crun is installed" : "configured";
        if (CrunRefusesCgroups(cgroupRoot) is not { } refusal)
        {
            return (new OciInvocation(crun), why);
        }

        var unshare = findOnPath("unshare");
        var view = unshare is null ? null : new OciInvocation(crun, unshare, Path.Combine(cgroupRoot, "unified"));
        if (view is not null && viewWorks(view))
        {
            return (view, $"{why}; {refusal}, so it runs in a private mount namespace without {view.UnifiedMount} and sees cgroup v1");
        }

        var noView = unshare is null
            ? "unshare is not installed"
            : $"a private mount namespace without {view!.UnifiedMount} could not be made";
        return auto
            ? (new OciInvocation(Runc), $"{refusal}, and {noView}")
            : (new OciInvocation(crun), $"{why}; {refusal}, and {noView}: containers will not start");
    }

    /// <summary>
    /// Whether <paramref name="view"/> can be made here (unshare may be denied, or the unified hierarchy not
    /// unmountable): <c>--version</c> of the runtime in it, once at start.
    /// </summary>
    public static bool ViewWorks(OciInvocation view)
    {
        var (program, arguments) = view.Command(["--version"]);
        var start = new System.Diagnostics.ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = System.Diagnostics.Process.Start(start);
            if (process is null)
            {
                return false;
            }

            _ = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill();
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
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
