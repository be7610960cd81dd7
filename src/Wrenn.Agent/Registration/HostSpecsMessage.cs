using System.Text.Json.Serialization;

namespace Wrenn.Agent.Registration;

/// <summary>The machine, as the agent describes it to the control plane.</summary>
public sealed record HostSpecsMessage(
    [property: JsonPropertyName("arch")] string Arch,
    [property: JsonPropertyName("cpus")] int Cpus,
    [property: JsonPropertyName("memory_mb")] long MemoryMb,
    [property: JsonPropertyName("disk_mb")] long DiskMb,
    [property: JsonPropertyName("runtime")] string Runtime,
    [property: JsonPropertyName("agent_version")] string AgentVersion);
