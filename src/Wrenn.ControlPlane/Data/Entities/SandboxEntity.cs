namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>A sandbox as the control plane knows it. Table sandboxes.</summary>
public sealed class SandboxEntity
{
    public required string Id { get; set; }

    public required string TeamId { get; set; }

    public required string HostId { get; set; }

    public required string Template { get; set; }

    /// <summary>One of <see cref="SandboxStates"/>; written only after the agent confirmed the transition.</summary>
    public required string State { get; set; }

    public int Vcpus { get; set; }

    public int MemoryMb { get; set; }

    public int TimeoutSec { get; set; }

    /// <summary>User metadata as a JSON object of strings.</summary>
    public string MetadataJson { get; set; } = "{}";

    public DateTime CreatedAt { get; set; }

    public DateTime LastActiveAt { get; set; }

    public DateTime? StoppedAt { get; set; }
}
