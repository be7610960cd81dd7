namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// How the agent runs its OCI runtime: <see cref="Runtime"/> directly, or, with <see cref="Unshare"/>, through a
/// legacy cgroup view: a private mount namespace, made for the one call, in which <see cref="UnifiedMount"/> is
/// lazily unmounted. crun 1.8 tells the cgroup mode from statfs of /sys/fs/cgroup (tmpfs) and of
/// /sys/fs/cgroup/unified (cgroup2: hybrid), and refuses a hybrid host with any controller on the v2 side; without
/// the unified mount it sees cgroup v1 and makes the sandbox's cgroups in the v1 hierarchies, at the paths runc
/// uses (/sys/fs/cgroup/&lt;controller&gt;/&lt;parent&gt;/&lt;id&gt;), so the freezer, stats and cleanup read the same files.
/// The namespace is private (the unmount never reaches the host) and new per call (each sees the host's mounts of the
/// moment: the sandbox's overlay and network namespace are made just before its run). Every call for a container
/// (run, state, delete) goes through the same view, so all of them agree on its state and cgroups; the run, on the
/// create path, is started in it by <see cref="Os.LegacyCgroupViewSpawn"/> without the programs <see cref="Command"/>
/// puts in between. Made by <see cref="OciRuntimeChoice"/> (<see cref="OciRuntimeChoice.Direct"/>,
/// <see cref="OciRuntimeChoice.InLegacyCgroupView"/>).
/// </summary>
/// <param name="Runtime">The OCI runtime's command as configured (runc, crun, a path): its name in logs.</param>
/// <param name="Executable">
/// Its full path, looked up in PATH once when the invocation is made, for the run's posix_spawn (which does not search
/// PATH; a create should not either); the command itself when it is not found (its start then fails with "not found").
/// </param>
/// <param name="Unshare">util-linux unshare's path when the runtime runs in the view, else null.</param>
/// <param name="UnifiedMount">The cgroup2 mount the view hides.</param>
public sealed record OciInvocation(string Runtime, string Executable, string? Unshare = null, string UnifiedMount = "/sys/fs/cgroup/unified")
{
    private const string Shell = "/bin/sh";

    /// <summary>Whether the runtime runs in the legacy cgroup view.</summary>
    public bool LegacyCgroupView => Unshare is not null;

    /// <summary>Whether the runtime is crun (by its command's file name: crun, /usr/bin/crun).</summary>
    public bool IsCrun => Path.GetFileName(Runtime) == OciRuntimeChoice.Crun;

    /// <summary>
    /// The program and arguments that run the runtime with <paramref name="arguments"/> (state, delete): the command as
    /// configured, which the command runner finds in PATH as it always did; only the spawned run uses <see cref="Executable"/>.
    /// </summary>
    public (string Program, IReadOnlyList<string> Arguments) Command(IReadOnlyList<string> arguments) =>
        Unshare is null ? (Runtime, arguments) : InView(arguments);

    /// <summary>
    /// The runtime run directly (not in the view), under umask 022 (it makes the sandbox's directories and devices
    /// with it). Spawned with posix_spawn, so the program is a shell that execs the runtime: every open file passed to
    /// it (envd's socket as fd 3) reaches the runtime.
    /// </summary>
    public (string Program, IReadOnlyList<string> Arguments) UnderUmask022(IReadOnlyList<string> arguments) =>
        Unshare is null
            ? (Shell, ["-c", "umask 022; exec \"$@\"", "oci-run", Executable, .. arguments])
            : throw new InvalidOperationException("in the legacy cgroup view the run is started by LegacyCgroupViewSpawn");

    /// <summary>
    /// unshare makes the namespace (--propagation private: the unmount stays in it); its shell unmounts the unified
    /// hierarchy (lazily: the agent's own files under it may be open) and execs the runtime.
    /// </summary>
    private (string Program, IReadOnlyList<string> Arguments) InView(IReadOnlyList<string> arguments) =>
        (Unshare!, ["--mount", "--propagation", "private", "--", Shell, "-c", "umount -l \"$1\" && shift && exec \"$@\"", "oci", UnifiedMount, Runtime, .. arguments]);
}
