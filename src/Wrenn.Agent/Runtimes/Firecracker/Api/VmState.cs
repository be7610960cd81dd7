namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>The state <c>PATCH /vm</c> asks for.</summary>
public enum VmState
{
    Paused,
    Resumed,
}
