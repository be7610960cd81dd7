using Wrenn.Common.Configuration;

namespace Wrenn.ControlPlane;

/// <summary>The control plane's settings, read from the environment (and .env) in Program.</summary>
public sealed class ControlPlaneOptions
{
    public string WrennDir { get; set; } = WrennEnvironment.DefaultDir;

    public string ListenAddress { get; set; } = WrennEnvironment.DefaultControlPlaneListenAddress;

    /// <summary>PostgreSQL connection; null means SQLite at $WRENN_DIR/wrenn.db.</summary>
    public string? DatabaseUrl { get; set; }

    /// <summary>The secret presented to host agents on every call.</summary>
    public string AgentSecret { get; set; } = string.Empty;

    /// <summary>An agent to register as a host at start (single-node `wrenn up`).</summary>
    public string? LocalAgentUrl { get; set; }

    /// <summary>How often host agents are asked whether they are alive.</summary>
    public TimeSpan HostCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the reconciler compares the database with what hosts report.</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Extra time a call to the agent may take beyond the work's own timeout.</summary>
    public TimeSpan AgentCallMargin { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long creating a sandbox may take on the agent.</summary>
    public TimeSpan CreateSandboxTimeout { get; set; } = TimeSpan.FromMinutes(2);

    public string SqlitePath => Path.Combine(WrennDir, "wrenn.db");
}
