using Wrenn.Agent.Pool;
using Wrenn.Agent.Registration;

namespace Wrenn.Agent.Tests.Registration;

/// <summary>A host with no sandboxes, for heartbeats without a sandbox manager.</summary>
public sealed class FixedHeartbeatSource : IHeartbeatSource
{
    public string RuntimeName => "container";

    public int RunningSandboxes() => 0;

    public WarmPoolReport PoolReport() => new(new WarmPoolStatus(0, 0, 0), []);
}
