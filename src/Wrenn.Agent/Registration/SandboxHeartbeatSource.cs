using Wrenn.Agent.Pool;
using Wrenn.Agent.Sandboxes;

namespace Wrenn.Agent.Registration;

/// <summary>The heartbeat's numbers from the agent's own sandboxes.</summary>
public sealed class SandboxHeartbeatSource(SandboxManager sandboxes, WarmPool pool) : IHeartbeatSource
{
    public string RuntimeName => sandboxes.RuntimeName;

    public int RunningSandboxes() => sandboxes.List().Count(s => s.State == SandboxState.Running);

    public WarmPoolReport PoolReport() => pool.Report();

    public void CapacityGiven(HostCapacity capacity) => pool.LimitTo(capacity);
}
