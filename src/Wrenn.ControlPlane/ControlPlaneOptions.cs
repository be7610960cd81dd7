using Wrenn.Common.Configuration;
using Wrenn.ControlPlane.Accounts;
using Wrenn.ControlPlane.Quotas;

namespace Wrenn.ControlPlane;

/// <summary>The control plane's settings, read from the environment (and .env) in Program.</summary>
public sealed class ControlPlaneOptions
{
    public string WrennDir { get; set; } = WrennEnvironment.DefaultDir;

    public string ListenAddress { get; set; } = WrennEnvironment.DefaultControlPlaneListenAddress;

    /// <summary>PostgreSQL connection; null means SQLite at $WRENN_DIR/wrenn.db.</summary>
    public string? DatabaseUrl { get; set; }

    /// <summary>How often agents send heartbeats (they are told at registration and on each heartbeat).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a host token is good for. Every heartbeat's answer carries a fresh one, so a token that
    /// leaks is useful for this long at most; an agent that stays away longer must register again.
    /// </summary>
    public TimeSpan HostTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>PEM certificate this control plane shows agents over mutual TLS ($WRENN_AGENT_CLIENT_CERT); null = plaintext to agents.</summary>
    public string? AgentClientCertificatePath { get; set; }

    /// <summary>Its private key, PEM ($WRENN_AGENT_CLIENT_KEY).</summary>
    public string? AgentClientKeyPath { get; set; }

    /// <summary>PEM certificate authority agents' certificates must chain to ($WRENN_AGENT_CA).</summary>
    public string? AgentCaPath { get; set; }

    /// <summary>
    /// vCPUs placed on a host per physical CPU. Sandboxes are mostly idle (an agent's code waits on a
    /// model far more than it computes) and each one's CPU quota still caps what it can take, so a
    /// 2-CPU host takes 32 one-vCPU sandboxes; memory, not CPU, is what usually fills a host.
    /// </summary>
    public double CpuOvercommit { get; set; } = 16.0;

    /// <summary>Memory placed on a host per MiB it has: limits are ceilings, rarely all reached at once.</summary>
    public double MemoryOvercommit { get; set; } = 1.5;

    /// <summary>How the scheduler chooses among hosts with room (WRENN_SCHEDULING_*; docs/scheduling.md).</summary>
    public Scheduling.SchedulingOptions Scheduling { get; set; } = new();

    /// <summary>Heartbeats a host may miss before it is unreachable and its sandboxes are in error.</summary>
    public int MissedHeartbeatsBeforeUnreachable { get; set; } = 3;

    /// <summary>How often the reconciler compares the database with what hosts report.</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a sandbox may stay <c>starting</c> before the reconciler settles it (WRENN_STARTING_GRACE_SEC):
    /// a control plane that died, or a database that failed, between the agent's create and the write of
    /// <c>running</c> leaves the row there. Longer than <see cref="Hosts.AgentCallTimeouts.Create"/>, so no create
    /// still in flight is settled under its caller.
    /// </summary>
    public TimeSpan StartingGrace { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// At most one activity record (last_active_at and an agent ping) per sandbox per this interval
    /// (WRENN_ACTIVITY_INTERVAL_SEC): use through the proxy, exec or files is counted without a write per request.
    /// </summary>
    public TimeSpan ActivityInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a verified API key is used without reading team_api_keys again (WRENN_API_KEY_CACHE_SEC;
    /// zero: every call reads it). A key removed through this replica stops at once; one removed through
    /// another replica stops here within this time.
    /// </summary>
    public TimeSpan ApiKeyCacheLifetime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadlines of agent calls, by kind of call.</summary>
    public Hosts.AgentCallTimeouts AgentTimeouts { get; set; } = new();

    /// <summary>Who may sign up (WRENN_SIGNUP); closed unless the operator opens it.</summary>
    public SignupMode Signup { get; set; } = SignupMode.Closed;

    /// <summary>What each team may hold unless an administrator set its own (WRENN_QUOTA_*).</summary>
    public QuotaLimits Quotas { get; set; } = QuotaLimits.Defaults;

    /// <summary>How long an invite code stays usable.</summary>
    public TimeSpan InviteLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>PEM certificate (chain) to serve HTTPS with (WRENN_TLS_CERT); with <see cref="TlsKeyPath"/>, or neither for plain HTTP.</summary>
    public string? TlsCertPath { get; set; }

    /// <summary>PEM private key of <see cref="TlsCertPath"/> (WRENN_TLS_KEY).</summary>
    public string? TlsKeyPath { get; set; }

    /// <summary>
    /// Addresses and CIDR networks of reverse proxies whose X-Forwarded-For/-Proto are believed
    /// (WRENN_TRUSTED_PROXIES, comma-separated). Empty: no forwarded header is believed.
    /// </summary>
    public IReadOnlyList<string> TrustedProxies { get; set; } = [];

    /// <summary>Failed logins one account may have in <see cref="LoginFailureWindow"/>, from any addresses, before logins to it get 429.</summary>
    public int LoginFailuresPerAccount { get; set; } = 10;

    public TimeSpan LoginFailureWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long an exec WebSocket ticket is good for (it is good once).</summary>
    public TimeSpan ExecTicketLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Origins (scheme://host[:port]) besides the control plane's own from which browsers may open exec
    /// WebSockets (WRENN_EXEC_ALLOWED_ORIGINS, comma-separated). Requests without Origin are not browsers and not checked.
    /// </summary>
    public IReadOnlyList<string> ExecAllowedOrigins { get; set; } = [];

    /// <summary>The sandbox traffic proxy (WRENN_PROXY_*): its own listener, off unless WRENN_PROXY_LISTEN_ADDR is set.</summary>
    public Proxy.SandboxProxyOptions Proxy { get; set; } = new();

    public string SqlitePath => new WrennLayout(WrennDir).SqliteDatabase;

    /// <summary>
    /// The settings this process's environment (and .env) gives, the proxy's included. A value that is not
    /// what its variable allows throws an <see cref="ArgumentException"/> naming the variable.
    /// </summary>
    public static ControlPlaneOptions FromEnvironment(SettingReader settings)
    {
        var defaults = new ControlPlaneOptions();
        return new ControlPlaneOptions
        {
            Proxy = Wrenn.ControlPlane.Proxy.SandboxProxyOptions.FromEnvironment(),
            WrennDir = settings.Get(WrennEnvironment.Dir) ?? WrennEnvironment.DefaultDir,
            ListenAddress = settings.Get(WrennEnvironment.ControlPlaneListenAddress) ?? WrennEnvironment.DefaultControlPlaneListenAddress,
            DatabaseUrl = settings.Get(WrennEnvironment.DatabaseUrl),
            HeartbeatInterval = settings.Seconds(WrennEnvironment.HeartbeatIntervalSec, defaults.HeartbeatInterval, 1, 3600),
            HostTokenLifetime = settings.Seconds(WrennEnvironment.HostTokenTtlSec, defaults.HostTokenLifetime, 2, 7 * 24 * 3600),
            MissedHeartbeatsBeforeUnreachable = (int)settings.Whole(WrennEnvironment.MissedHeartbeats, defaults.MissedHeartbeatsBeforeUnreachable, 1, 100),
            ReconcileInterval = settings.Seconds(WrennEnvironment.ReconcileIntervalSec, defaults.ReconcileInterval, 1, 3600),
            StartingGrace = settings.Seconds(WrennEnvironment.StartingGraceSec, defaults.StartingGrace, 1, 86400),
            ActivityInterval = settings.Seconds(WrennEnvironment.ActivityIntervalSec, defaults.ActivityInterval, 1, 3600),
            ApiKeyCacheLifetime = settings.Seconds(WrennEnvironment.ApiKeyCacheSec, defaults.ApiKeyCacheLifetime, 0, 300),
            CpuOvercommit = settings.Decimal(WrennEnvironment.CpuOvercommit, defaults.CpuOvercommit, 0.1, 1000),
            MemoryOvercommit = settings.Decimal(WrennEnvironment.MemoryOvercommit, defaults.MemoryOvercommit, 0.1, 100),
            Scheduling = Wrenn.ControlPlane.Scheduling.SchedulingOptions.FromEnvironment(settings),
            AgentClientCertificatePath = settings.Get(WrennEnvironment.AgentClientCertificate),
            AgentClientKeyPath = settings.Get(WrennEnvironment.AgentClientKey),
            AgentCaPath = settings.Get(WrennEnvironment.AgentCa),
            TlsCertPath = settings.Get(WrennEnvironment.TlsCert),
            TlsKeyPath = settings.Get(WrennEnvironment.TlsKey),
            TrustedProxies = List(settings.Get(WrennEnvironment.TrustedProxies)),
            ExecAllowedOrigins = List(settings.Get(WrennEnvironment.ExecAllowedOrigins)),
        };
    }

    /// <summary>Refuses settings that cannot work together (<see cref="ControlPlaneOptionsValidator"/>); called at start.</summary>
    public void Validate()
    {
        var result = new ControlPlaneOptionsValidator().Validate(null, this);
        if (result.Failed)
        {
            throw new ArgumentException(result.FailureMessage);
        }
    }

    private static string[] List(string? value) =>
        value?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
