namespace Wrenn.Common.Configuration;

/// <summary>
/// The environment variables every Wrenn process understands, with their defaults. A <c>.env</c> file
/// in the working directory is read first (see <see cref="DotEnvLoader"/>); real variables win over it.
/// </summary>
public static class WrennEnvironment
{
    /// <summary>State directory: images, kernels, sandboxes, snapshots, templates, the SQLite database.</summary>
    public const string Dir = "WRENN_DIR";

    public const string DefaultDir = "/var/lib/wrenn";

    /// <summary>Where the control plane's HTTP API listens.</summary>
    public const string ControlPlaneListenAddress = "WRENN_CP_LISTEN_ADDR";

    public const string DefaultControlPlaneListenAddress = ":8000";

    /// <summary>Where the host agent's gRPC service listens.</summary>
    public const string HostListenAddress = "WRENN_HOST_LISTEN_ADDR";

    public const string DefaultHostListenAddress = ":50051";

    /// <summary>PostgreSQL connection (URL or Npgsql form); unset means SQLite under <see cref="Dir"/>.</summary>
    public const string DatabaseUrl = "DATABASE_URL";

    /// <summary>The control plane's URL as agents and clients reach it.</summary>
    public const string ControlPlaneUrl = "WRENN_CP_URL";

    /// <summary>Which runtime the agent drives: auto, container, qemu or firecracker.</summary>
    public const string Runtime = "WRENN_RUNTIME";

    public const string DefaultRuntime = "auto";

    /// <summary>Seconds between host heartbeats (the control plane tells agents; default 30).</summary>
    public const string HeartbeatIntervalSec = "WRENN_HEARTBEAT_INTERVAL_SEC";

    /// <summary>
    /// What a sandbox's /etc/resolv.conf names: "host" (default: the host's non-loopback nameservers),
    /// "none", or a comma-separated list of addresses.
    /// </summary>
    public const string SandboxNameservers = "WRENN_SANDBOX_NAMESERVERS";

    /// <summary>
    /// Size in MiB of each sandbox's writable disk (an ext4 file mounted as its overlay's upper layer);
    /// 0 = no cap (the upper layer is a plain directory on the host's disk).
    /// </summary>
    public const string SandboxDiskMb = "WRENN_SANDBOX_DISK_MB";

    /// <summary>Processes (and threads) one sandbox may have at once; fork bombs stop there.</summary>
    public const string SandboxPidsLimit = "WRENN_SANDBOX_PIDS_LIMIT";

    /// <summary>The OCI runtime container sandboxes run under: runc (default), crun, or a path to either.</summary>
    public const string OciRuntime = "WRENN_OCI_RUNTIME";

    /// <summary>
    /// Container sandboxes' user namespace: "auto" (on where the kernel allows it), "off", or the first
    /// host uid/gid that sandbox root maps to (65536 ids from there; 100000 under "auto").
    /// </summary>
    public const string SandboxUserNamespace = "WRENN_SANDBOX_USERNS";

    /// <summary>Exec and file calls one agent carries at once, all teams together (default 256).</summary>
    public const string AgentMaxCalls = "WRENN_AGENT_MAX_CALLS";

    /// <summary>Exec and file calls one agent carries at once for one team's sandboxes (default 64).</summary>
    public const string AgentMaxCallsPerTeam = "WRENN_AGENT_MAX_CALLS_PER_TEAM";


    /// <summary>Reads a variable, or the default when it is unset or blank.</summary>
    public static string Get(string name, string defaultValue)
    {
        var value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrWhiteSpace(value) ? defaultValue : value.Trim();
    }

    /// <summary>Reads a variable, or null when it is unset or blank.</summary>
    public static string? Get(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
