namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>A team template as every face may show it.</summary>
/// <param name="Id">The id hosts know it by; teams use <paramref name="Name"/>.</param>
/// <param name="KeepsMemory">Processes and memory were kept (VM runtimes), not only files.</param>
public sealed record TemplateDetails(
    string Id,
    string Name,
    string TeamId,
    string SourceSandboxId,
    string BaseTemplate,
    int Vcpus,
    int MemoryMb,
    long SizeBytes,
    bool KeepsMemory,
    string HostId,
    DateTime CreatedAt);
