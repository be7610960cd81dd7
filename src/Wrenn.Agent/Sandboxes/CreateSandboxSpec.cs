namespace Wrenn.Agent.Sandboxes;

/// <summary>What the control plane asked for when creating a sandbox; <paramref name="TeamId"/> is whose it is (null from older control planes).</summary>
public sealed record CreateSandboxSpec(
    string SandboxId,
    string Template,
    uint Vcpus,
    uint MemoryMb,
    uint TimeoutSec,
    IReadOnlyDictionary<string, string> Environment,
    string? TeamId = null);
