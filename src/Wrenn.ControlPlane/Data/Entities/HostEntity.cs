namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>A machine running wrenn-agent. Table hosts.</summary>
public sealed class HostEntity
{
    public const string ReadyState = "ready";
    public const string UnreachableState = "unreachable";

    public required string Id { get; set; }

    /// <summary>The agent's gRPC URL, e.g. http://10.0.0.5:50051.</summary>
    public required string Address { get; set; }

    public required string State { get; set; }

    public string Runtime { get; set; } = string.Empty;

    public string Arch { get; set; } = string.Empty;

    public int Cpus { get; set; }

    public long MemoryMb { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? LastSeenAt { get; set; }
}
