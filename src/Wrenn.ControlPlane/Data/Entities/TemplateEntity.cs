namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>A team's template: a snapshot of a sandbox that new sandboxes start from. Table templates.</summary>
public sealed class TemplateEntity
{
    /// <summary>Also the name the template is stored under on its host: hosts know no team names.</summary>
    public required string Id { get; set; }

    public required string TeamId { get; set; }

    /// <summary>SafeName; unique within its team (two teams may each have a "py").</summary>
    public required string Name { get; set; }

    /// <summary>The host that holds it; sandboxes from it are placed there.</summary>
    public required string HostId { get; set; }

    public required string SourceSandboxId { get; set; }

    /// <summary>The image or template (the team's name for it) the source sandbox started from.</summary>
    public required string BaseTemplate { get; set; }

    public int Vcpus { get; set; }

    public int MemoryMb { get; set; }

    public long SizeBytes { get; set; }

    /// <summary>True when processes and memory were kept (VM runtimes), false for files only (containers).</summary>
    public bool KeepsMemory { get; set; }

    public DateTime CreatedAt { get; set; }
}
