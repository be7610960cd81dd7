namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// How many exec and file calls the agent carries at once: every such call holds memory, a connection
/// to a sandbox's envd and, while it streams, a thread's share of the agent, so one tenant must not be
/// able to take them all.
/// </summary>
public sealed class SandboxCallLimitOptions
{
    /// <summary>Calls in flight on this host, all teams together ($WRENN_AGENT_MAX_CALLS).</summary>
    public int MaxCallsPerHost { get; set; } = 256;

    /// <summary>Calls in flight for one team's sandboxes ($WRENN_AGENT_MAX_CALLS_PER_TEAM).</summary>
    public int MaxCallsPerTeam { get; set; } = 64;
}
