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

    /// <summary>Heartbeats a host may miss before it is unreachable and its sandboxes are in error.</summary>
    public int MissedHeartbeatsBeforeUnreachable { get; set; } = 3;

    /// <summary>How often the reconciler compares the database with what hosts report.</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// At most one activity record (last_active_at and an agent ping) per sandbox per this interval
    /// (WRENN_ACTIVITY_INTERVAL_SEC): use through the proxy, exec or files is counted without a write per request.
    /// </summary>
    public TimeSpan ActivityInterval { get; set; } = TimeSpan.FromSeconds(5);

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

    /// <summary>Refuses settings that cannot work together; called at start.</summary>
    public void Validate()
    {
        if (HeartbeatInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{WrennEnvironment.HeartbeatIntervalSec} must be positive");
        }

        // An agent must get at least two chances to rotate its token before the one it holds expires.
        if (HostTokenLifetime < 2 * HeartbeatInterval)
        {
            throw new ArgumentException($"{WrennEnvironment.HostTokenTtlSec} ({HostTokenLifetime.TotalSeconds:0} s) must be at least twice {WrennEnvironment.HeartbeatIntervalSec} ({HeartbeatInterval.TotalSeconds:0} s)");
        }

        if (ActivityInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{WrennEnvironment.ActivityIntervalSec} must be positive");
        }

        if (AgentTimeouts.Check() is { } badTimeout)
        {
            throw new ArgumentException(badTimeout);
        }

        if (Quotas.Check() is { } badQuotas)
        {
            throw new ArgumentException(badQuotas);
        }

        ValidateAgentTls();
    }

    /// <summary>Agent TLS is all three files or none, and they must load.</summary>
    private void ValidateAgentTls()
    {
        string?[] paths = [AgentClientCertificatePath, AgentClientKeyPath, AgentCaPath];
        if (paths.All(p => p is null))
        {
            return;
        }

        if (paths.Any(p => p is null))
        {
            throw new ArgumentException($"mutual TLS to agents needs all of {WrennEnvironment.AgentClientCertificate}, {WrennEnvironment.AgentClientKey} and {WrennEnvironment.AgentCa}");
        }

        try
        {
            using var client = Common.Security.PeerCertificates.LoadPair(AgentClientCertificatePath!, AgentClientKeyPath!);
            _ = Common.Security.PeerCertificates.LoadAuthority(AgentCaPath!);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"agent TLS files do not load: {ex.Message}", ex);
        }
    }
}
