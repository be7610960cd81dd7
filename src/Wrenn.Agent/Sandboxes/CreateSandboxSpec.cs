namespace Wrenn.Agent.Sandboxes;

/// <summary>What the control plane asked for when creating a sandbox.</summary>
public sealed record CreateSandboxSpec(
    string SandboxId,
    string Template,
    uint Vcpus,
    uint MemoryMb,
    uint TimeoutSec,
    IReadOnlyDictionary<string, string> Environment);
