namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>The fake Firecracker's microVM state, as <c>GET /</c> reports it.</summary>
public enum FakeVmState
{
    NotStarted,
    Running,
    Paused,
}
