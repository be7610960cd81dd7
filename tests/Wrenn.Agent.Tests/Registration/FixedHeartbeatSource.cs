using Wrenn.Agent.Pool;
using Wrenn.Agent.Registration;

namespace Wrenn.Agent.Tests.Registration;

/// <summary>A host with no sandboxes, for heartbeats without a sandbox manager.</summary>
public sealed class FixedHeartbeatSource : IHeartbeatSource
{
    public string RuntimeName => "container";

    public int RunningSandboxes() => 0;

    public WarmPoolReport PoolReport() => new(new WarmPoolStatus(0, 0, 0), []);

    private readonly TaskCompletionSource<HostCapacity> _firstCapacity = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What the first heartbeat's answer said of the host's capacity.</summary>
    public Task<HostCapacity> FirstCapacity => _firstCapacity.Task;

    public void CapacityGiven(HostCapacity capacity) => _firstCapacity.TrySetResult(capacity);
}
