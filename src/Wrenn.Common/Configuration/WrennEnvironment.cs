namespace Wrenn.Common.Configuration;

/// <summary>
/// The environment variables every Wrenn process understands, with their defaults. A <c>.env</c> file
/// in the working directory (when trusted) or named by --env-file is read first (see <see cref="DotEnvLoader"/>); real variables win over it.
/// </summary>
public static class WrennEnvironment
{
    /// <summary>State directory: images, kernels, sandboxes, snapshots, templates, the SQLite database.</summary>
    public const string Dir = "WRENN_DIR";

    public const string DefaultDir = "/var/lib/wrenn";

    /// <summary>Where the control plane's HTTP API listens.</summary>
    public const string ControlPlaneListenAddress = "WRENN_CP_LISTEN_ADDR";

    public const string DefaultControlPlaneListenAddress = ":8000";

    /// <summary>Where the host agent's gRPC service listens (loopback by default: a remote control plane needs it set, with TLS).</summary>
    public const string HostListenAddress = "WRENN_HOST_LISTEN_ADDR";

    public const string DefaultHostListenAddress = "127.0.0.1:50051";

    /// <summary>PostgreSQL connection (URL or Npgsql form); unset means SQLite under <see cref="Dir"/>.</summary>
    public const string DatabaseUrl = "DATABASE_URL";

    /// <summary>The control plane's URL as agents and clients reach it.</summary>
    public const string ControlPlaneUrl = "WRENN_CP_URL";

    /// <summary>Which runtime the agent drives: auto, container, qemu or firecracker.</summary>
    public const string Runtime = "WRENN_RUNTIME";

    public const string DefaultRuntime = "auto";

    /// <summary>Seconds between host heartbeats (the control plane tells agents; default 30).</summary>
    public const string HeartbeatIntervalSec = "WRENN_HEARTBEAT_INTERVAL_SEC";

    /// <summary>Seconds a host token is good for (default 3600); heartbeats rotate it. At least twice the heartbeat interval.</summary>
    public const string HostTokenTtlSec = "WRENN_HOST_TOKEN_TTL_SEC";

    /// <summary>Control plane: PEM certificate it shows agents over mutual TLS (with the two below; unset = plaintext gRPC).</summary>
    public const string AgentClientCertificate = "WRENN_AGENT_CLIENT_CERT";

    /// <summary>Control plane: the private key of <see cref="AgentClientCertificate"/>, PEM.</summary>
    public const string AgentClientKey = "WRENN_AGENT_CLIENT_KEY";

    /// <summary>Control plane: PEM certificate authority agents' server certificates must chain to.</summary>
    public const string AgentCa = "WRENN_AGENT_CA";

    /// <summary>Agent: PEM server certificate for its gRPC port (with the two below; unset = plaintext, loopback only advised).</summary>
    public const string AgentTlsCertificate = "WRENN_AGENT_TLS_CERT";

    /// <summary>Agent: the private key of <see cref="AgentTlsCertificate"/>, PEM.</summary>
    public const string AgentTlsKey = "WRENN_AGENT_TLS_KEY";

    /// <summary>Agent: PEM certificate authority the control plane's client certificate must chain to.</summary>
    public const string AgentTlsClientCa = "WRENN_AGENT_TLS_CLIENT_CA";

    /// <summary>
    /// What a sandbox's /etc/resolv.conf names: "host" (default: the host's non-loopback nameservers),
    /// "none", or a comma-separated list of addresses.
    /// </summary>
    public const string SandboxNameservers = "WRENN_SANDBOX_NAMESERVERS";

    /// <summary>
    /// Private IPv4 ranges (RFC 1918, 100.64.0.0/10) sandboxes may reach after all: comma-separated
    /// CIDRs. Unset, sandboxes reach none of them.
    /// </summary>
    public const string SandboxEgressAllow = "WRENN_SANDBOX_EGRESS_ALLOW";

    /// <summary>
    /// Size in MiB of each sandbox's writable disk (an ext4 file mounted as its overlay's upper layer);
    /// 0 = no cap (the upper layer is a plain directory on the host's disk).
    /// </summary>
    public const string SandboxDiskMb = "WRENN_SANDBOX_DISK_MB";

    /// <summary>
    /// MiB of the disk holding $WRENN_DIR that file uploads into sandboxes leave free (default 128); an
    /// upload that would pass it is refused with 507 insufficient_storage.
    /// </summary>
    public const string HostDiskReserveMb = "WRENN_HOST_DISK_RESERVE_MB";

    /// <summary>Agent: warm pool of ready sandboxes, template[:vcpus[:memory_mb]]=depth, comma-separated; unset = none.</summary>
    public const string WarmPool = "WRENN_WARM_POOL";

    /// <summary>
    /// Network slots (namespace, veth, addresses, firewall chains) the agent keeps made ahead, so a create
    /// takes one instead of making it; 0 = none. Default 2.
    /// </summary>
    public const string PreparedSlots = "WRENN_PREPARED_SLOTS";

    /// <summary>Sandbox disks (made and formatted, never reused) the agent keeps made ahead; 0 = none. Default 2.</summary>
    public const string PreparedDisks = "WRENN_PREPARED_DISKS";

    /// <summary>Processes (and threads) one sandbox may have at once; fork bombs stop there.</summary>
    public const string SandboxPidsLimit = "WRENN_SANDBOX_PIDS_LIMIT";

    /// <summary>
    /// Where container sandboxes' /proc views of their own CPUs and memory come from: "auto" (a system lxcfs at
    /// /var/lib/lxcfs, else one the agent mounts under $WRENN_DIR/lxcfs), "off", or the path of an lxcfs mount.
    /// </summary>
    public const string Lxcfs = "WRENN_LXCFS";

    /// <summary>QEMU's system emulator the agent starts: a program name on $PATH or a path (default qemu-system-x86_64).</summary>
    public const string QemuBinary = "WRENN_QEMU_BINARY";

    /// <summary>One unprivileged host user every QEMU runs as: "uid:gid", a uid, or a user name (default: unset, each VM its own uid and gid).</summary>
    public const string QemuUser = "WRENN_QEMU_USER";

    /// <summary>The OCI runtime container sandboxes run under: runc (default), crun, or a path to either.</summary>
    public const string OciRuntime = "WRENN_OCI_RUNTIME";

    /// <summary>"on" makes envd's listening socket in the sandbox's namespace and passes it to envd; "off" (default) lets envd bind its own.</summary>
    public const string EnvdSocket = "WRENN_ENVD_SOCKET";

    /// <summary>
    /// Container sandboxes' user namespace: "auto" (on where the kernel allows it), "off", or the first
    /// host uid/gid that sandbox root maps to (65536 ids from there; 100000 under "auto").
    /// </summary>
    public const string SandboxUserNamespace = "WRENN_SANDBOX_USERNS";

    /// <summary>Exec and file calls one agent carries at once, all teams together (default 256).</summary>
    public const string AgentMaxCalls = "WRENN_AGENT_MAX_CALLS";

    /// <summary>Exec and file calls one agent carries at once for one team's sandboxes (default 64).</summary>
    public const string AgentMaxCallsPerTeam = "WRENN_AGENT_MAX_CALLS_PER_TEAM";

    /// <summary>Seconds between the agent's readings of each running sandbox's usage (default 5).</summary>
    public const string AgentMetricsInterval = "WRENN_AGENT_METRICS_INTERVAL";


    /// <summary>PEM certificate the control plane serves HTTPS with (with <see cref="TlsKey"/>; neither = plain HTTP).</summary>
    public const string TlsCert = "WRENN_TLS_CERT";

    /// <summary>PEM private key of <see cref="TlsCert"/>.</summary>
    public const string TlsKey = "WRENN_TLS_KEY";

    /// <summary>Comma-separated addresses/CIDRs of reverse proxies whose X-Forwarded-For/-Proto the control plane believes.</summary>
    public const string TrustedProxies = "WRENN_TRUSTED_PROXIES";

    /// <summary>Comma-separated origins (scheme://host[:port]) besides the control plane's own that may open exec WebSockets.</summary>
    public const string ExecAllowedOrigins = "WRENN_EXEC_ALLOWED_ORIGINS";

    /// <summary>Address the sandbox traffic proxy listens on (":PORT" or "HOST:PORT"); unset = no proxy in wrenn-cp.</summary>
    public const string ProxyListenAddress = "WRENN_PROXY_LISTEN_ADDR";

    /// <summary>Default proxy address of `wrenn up`: loopback, beside the API's 8000.</summary>
    public const string DefaultProxyListenAddress = "127.0.0.1:8001";

    /// <summary>The domain sandbox hosts are named under: "{port}-{sandbox id}.{domain}" (may end in ":PORT").</summary>
    public const string ProxyDomain = "WRENN_PROXY_DOMAIN";

    /// <summary>PEM (wildcard) certificate the proxy serves HTTPS with (with <see cref="ProxyTlsKey"/>; neither = plain HTTP).</summary>
    public const string ProxyTlsCert = "WRENN_PROXY_TLS_CERT";

    /// <summary>PEM private key of <see cref="ProxyTlsCert"/>.</summary>
    public const string ProxyTlsKey = "WRENN_PROXY_TLS_KEY";

    /// <summary>How the proxy reaches sandboxes: "auto" (direct on this machine, through the agent elsewhere), "direct" or "agent".</summary>
    public const string ProxyUpstream = "WRENN_PROXY_UPSTREAM";

    /// <summary>Seconds between two activity records of one sandbox (last_active_at and an agent ping); default 5.</summary>
    public const string ActivityIntervalSec = "WRENN_ACTIVITY_INTERVAL_SEC";

    /// <summary>Control plane: seconds a verified API key is used without reading the database again (default 10, 0 = off).</summary>
    public const string ApiKeyCacheSec = "WRENN_API_KEY_CACHE_SEC";

    /// <summary>Control plane: vCPUs placed on a host per CPU it has (default 16).</summary>
    public const string CpuOvercommit = "WRENN_CPU_OVERCOMMIT";

    /// <summary>Control plane: sandbox memory placed on a host per MiB it has (default 1.5).</summary>
    public const string MemoryOvercommit = "WRENN_MEMORY_OVERCOMMIT";

    /// <summary>Control plane: where new sandboxes go, "spread" (the least loaded host, the default) or "pack" (the fullest host that still has room).</summary>
    public const string SchedulingPolicy = "WRENN_SCHEDULING_POLICY";

    /// <summary>Control plane: the Retry-After seconds of a create that fits on no host (default 10).</summary>
    public const string SchedulingRetryAfterSec = "WRENN_SCHEDULING_RETRY_AFTER_SEC";

    /// <summary>Control plane: seconds a copy of a template on a host other than its own may go unused before it is removed from that host (default 86400).</summary>
    public const string TemplateCopyIdleSec = "WRENN_TEMPLATE_COPY_IDLE_SEC";

    /// <summary>Control plane: seconds between the reconciler's comparisons of the database with what hosts report (default 5).</summary>
    public const string ReconcileIntervalSec = "WRENN_RECONCILE_INTERVAL_SEC";

    /// <summary>Control plane: heartbeats a host may miss before it is unreachable (default 3).</summary>
    public const string MissedHeartbeats = "WRENN_MISSED_HEARTBEATS";

    /// <summary>
    /// Control plane: seconds a sandbox may stay "starting" before the reconciler settles it from what its
    /// host lists (running when the host has it, error otherwise; default 300, longer than the agent's create deadline).
    /// </summary>
    public const string StartingGraceSec = "WRENN_STARTING_GRACE_SEC";

    /// <summary>Reads a variable, or the default when it is unset or blank.</summary>
    public static string Get(string name, string defaultValue)
    {
        var value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrWhiteSpace(value) ? defaultValue : value.Trim();
    }

    /// <summary>Reads a comma-separated variable as a list, blanks dropped; empty when unset.</summary>
    public static IReadOnlyList<string> GetList(string name) =>
        Get(name)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    /// <summary>Reads a variable, or null when it is unset or blank.</summary>
    public static string? Get(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
