using Wrenn.Agent.Os;

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

    /// <summary>How long the start-up probe of the view may take: a process start, on a loaded machine.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

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
            return (Direct(configured, findOnPath), "configured");
        }

        if (auto && findOnPath(Crun) is null)
        {
            return (Direct(Runc, findOnPath), "crun is not installed");
        }

        var crun = auto ? Crun : configured;
        var why = auto ? "crun is installed" : "configured";
        if (CrunRefusesCgroups(cgroupRoot) is not { } refusal)
        {
            return (Direct(crun, findOnPath), why);
        }

        var view = InLegacyCgroupView(crun, findOnPath, cgroupRoot);
        if (view is not null && viewWorks(view))
        {
            return (view, $"{why}; {refusal}, so it runs in a private mount namespace without {view.UnifiedMount} and sees cgroup v1");
        }

        var noView = view is null
            ? "unshare is not installed"
            : $"a private mount namespace without {view.UnifiedMount} could not be made";
        return auto
            ? (Direct(Runc, findOnPath), $"{refusal}, and {noView}")
            : (Direct(crun, findOnPath), $"{why}; {refusal}, and {noView}: containers will not start");
    }

    /// <summary><paramref name="runtime"/> run directly, its path looked up once.</summary>
    public static OciInvocation Direct(string runtime, Func<string, string?> findOnPath) =>
        new(runtime, runtime.Contains('/', StringComparison.Ordinal) ? runtime : findOnPath(runtime) ?? runtime);

    /// <summary>
    /// <paramref name="crun"/> in the legacy cgroup view, which hides <paramref name="cgroupRoot"/>/unified, or null when
    /// unshare (for its state and delete) is not installed. The one place such an invocation is made: for the runtime
    /// chosen (<see cref="Resolve"/>) and for crun's containers when runc is (<see cref="OtherRuntime"/>).
    /// </summary>
    public static OciInvocation? InLegacyCgroupView(string crun, Func<string, string?> findOnPath, string cgroupRoot = CgroupRoot) =>
        findOnPath("unshare") is { } unshare
            ? Direct(crun, findOnPath) with { Unshare = unshare, UnifiedMount = Path.Combine(cgroupRoot, "unified") }
            : null;

    /// <summary>
    /// How a container of the other runtime than <paramref name="chosen"/> (runc's when crun is chosen, else crun's:
    /// <see cref="OwnerOf"/>) is asked about: runc directly; crun in the view where it refuses the host's cgroups, as
    /// its containers were made in it (a crun that sees the hybrid cgroups refuses even to delete them). Made once, with
    /// the chosen runtime, not per call.
    /// </summary>
    public static OciInvocation OtherRuntime(OciInvocation chosen, Func<string, string?> findOnPath, string cgroupRoot = CgroupRoot)
    {
        if (chosen.IsCrun)
        {
            return Direct(Runc, findOnPath);
        }

        return CrunRefusesCgroups(cgroupRoot) is not null && InLegacyCgroupView(Crun, findOnPath, cgroupRoot) is { } view
            ? view
            : Direct(Crun, findOnPath);
    }

    /// <summary>
    /// Whether <paramref name="view"/> can be made here (unshare may be denied, or the unified hierarchy not
    /// unmountable): <c>--version</c> of the runtime in it, once at start, made the way runs make it
    /// (<see cref="LegacyCgroupViewSpawn"/>).
    /// </summary>
    public static bool ViewWorks(OciInvocation view)
    {
        using var output = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write);
        using var timeout = new CancellationTokenSource(ProbeTimeout);
        try
        {
            // A thread of its own makes the view and a thread of the pool's waits: no pool thread is blocked on itself.
            return LegacyCgroupViewSpawn.RunAsync(view.Executable, ["--version"], view.UnifiedMount, passed: null, output, timeout.Token)
                .GetAwaiter().GetResult() == 0;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// <paramref name="chosen"/> run from a sealed copy of its binary (<see cref="SealedExecutable"/>) when it is crun and
    /// the copy starts here (<paramref name="starts"/>), with the copy the caller holds for as long as it runs containers;
    /// otherwise <paramref name="chosen"/> as it is and why not (null for a runtime that is not crun: runc guards itself
    /// its own way). Only the run uses the copy (<see cref="OciInvocation.Executable"/>): it is on every create's path.
    /// </summary>
    public static (OciInvocation Oci, SealedExecutable? Copy, string? WhyNot) FromSealedCopy(OciInvocation chosen, Func<OciInvocation, bool> starts)
    {
        if (!chosen.IsCrun)
        {
            return (chosen, null, null);
        }

        SealedExecutable copy;
        try
        {
            copy = SealedExecutable.CopyOf(chosen.Executable, "crun");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (chosen, null, ex.Message);
        }

        var fromCopy = chosen with { Executable = copy.Path };
        try
        {
            if (starts(fromCopy))
            {
                return (fromCopy, copy, null);
            }
        }
        catch
        {
            copy.Dispose();
            throw;
        }

        copy.Dispose();
        return (chosen, null, $"its copy in memory ({fromCopy.Executable}) did not start");
    }

    /// <summary>
    /// Whether <paramref name="oci"/> starts here the way runs start it (<c>--version</c>, once at start): in the view
    /// (<see cref="ViewWorks"/>) or through the umask shell.
    /// </summary>
    public static bool Starts(OciInvocation oci)
    {
        if (oci.LegacyCgroupView)
        {
            return ViewWorks(oci);
        }

        var (program, arguments) = oci.UnderUmask022(["--version"]);
        using var timeout = new CancellationTokenSource(ProbeTimeout);
        try
        {
            return ListenSocketSpawn.RunAsync(program, arguments, passed: null, outputPath: "/dev/null", timeout.Token).GetAwaiter().GetResult() == 0;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
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
