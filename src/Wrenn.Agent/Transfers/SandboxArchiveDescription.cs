namespace Wrenn.Agent.Transfers;

/// <summary>
/// What a sandbox archive is, as the proto's SandboxArchiveHeader carries it: what the receiving host
/// needs to run the sandbox, and the archive's size and checksum.
/// </summary>
/// <param name="Runtime">"container", "qemu" or "firecracker": the receiving host must run it.</param>
/// <param name="Template">The image name or template id it stands on: the receiving host must hold it.</param>
/// <param name="Environment">What it was created with: a container's processes start again with it.</param>
/// <param name="Sha256">The archive's SHA-256, lower-case hex.</param>
/// <param name="KeepsMemory">The archive holds the VM's memory and device state: its processes continue.</param>
public sealed record SandboxArchiveDescription(
    string SandboxId,
    string Runtime,
    string Template,
    uint Vcpus,
    uint MemoryMb,
    string? TeamId,
    string EnvdAccessToken,
    string? EnvdVersion,
    IReadOnlyDictionary<string, string> Environment,
    DateTimeOffset StartedAt,
    long ArchiveBytes,
    string Sha256,
    bool KeepsMemory);
