namespace Wrenn.Agent.Runtimes.Container;

/// <summary>Settings of the container runtime.</summary>
public sealed class ContainerRuntimeOptions
{
    /// <summary>The most a sandbox's console.log holds before it is rotated to console.log.1 (the one older file kept).</summary>
    public long ConsoleLogBytes { get; set; } = ConsoleLog.DefaultCapBytes;

    /// <summary>
    /// The OCI runtime (WRENN_OCI_RUNTIME): <c>auto</c> by default, crun where it is installed and can run (on a hybrid
    /// cgroup host through the legacy cgroup view, <see cref="OciInvocation"/>), else runc; or runc, crun, runsc or a
    /// path, which take the same command line.
    /// </summary>
    public string OciRuntime { get; set; } = OciRuntimeChoice.Auto;

    /// <summary>
    /// Makes envd's listening socket in the sandbox's namespace and passes it to envd (LISTEN_FDS=1), for images whose
    /// envd takes one, so the agent's first request waits in the socket's backlog instead of polling for the port;
    /// false (WRENN_ENVD_SOCKET=off) lets envd bind its own and the agent poll for it.
    /// </summary>
    public bool PassEnvdSocket { get; set; } = true;

    /// <summary>The cgroup parent every sandbox's cgroup is created under (WRENN_CGROUP_PARENT).</summary>
    public string CgroupParent { get; set; } = "/wrenn";

    /// <summary>
    /// Where the OCI runtime keeps its containers' state (its <c>--root</c>, WRENN_OCI_STATE_DIR); null leaves the
    /// runtime's own default (/run/runc, /run/crun). Agents sharing a machine each take their own, so one agent's
    /// runtime never lists, or is asked about, another's containers.
    /// </summary>
    public string? OciStateDirectory { get; set; }

    /// <summary>Processes a sandbox may have at once (fork bombs stop here).</summary>
    public long PidsLimit { get; set; } = 4096;

    /// <summary>
    /// RLIMIT_NOFILE inside the sandbox, capped at the agent's own hard limit: where runc may not raise
    /// limits (no CAP_SYS_RESOURCE) a higher value makes every container fail to start.
    /// </summary>
    public long OpenFilesLimit { get; set; } = 65_536;

    /// <summary>
    /// Runs each sandbox in a user namespace where the kernel allows it: sandbox root is then an
    /// unprivileged host id, <see cref="UserNamespaceHostId"/>.
    /// </summary>
    public bool UserNamespace { get; set; } = true;

    /// <summary>The host uid and gid sandbox root maps to; sandbox ids 0–65535 map to the 65536 ids from here.</summary>
    public long UserNamespaceHostId { get; set; } = 100_000;

    /// <summary>How many ids the user namespace maps.</summary>
    public long UserNamespaceSize { get; set; } = 65_536;

    /// <summary>
    /// What the container starts: tini (which reaps orphans) running envd, directly. wrenn-init, the shell
    /// script a VM boots into, is not run in a container: runc sets the hostname, and the agent makes
    /// /run/wrenn and /tmp in the sandbox's layer before it starts (a shell and its child processes cost
    /// milliseconds on every create).
    /// </summary>
    public IReadOnlyList<string> InitArguments { get; set; } = ["/usr/bin/tini", "--", "/usr/local/bin/envd"];
}
