using Wrenn.Agent.Pool;

namespace Wrenn.Agent.Registration;

/// <summary>What a heartbeat reports of this host's sandboxes (an interface so a test can run the heartbeat without real sandboxes).</summary>
public interface IHeartbeatSource
{
    /// <summary>The runtime the agent runs sandboxes with (the host's specs name it).</summary>
    string RuntimeName { get; }

    /// <summary>How many sandboxes run now (paused ones do not count).</summary>
    int RunningSandboxes();

    /// <summary>What the warm pool holds, which the control plane does not count as used, and its ready sandboxes per key (none without a pool).</summary>
    WarmPoolReport PoolReport();

    /// <summary>The control plane answered with the host's capacity: the warm pool fills only what its sandboxes leave of it.</summary>
    void CapacityGiven(HostCapacity capacity);
}
