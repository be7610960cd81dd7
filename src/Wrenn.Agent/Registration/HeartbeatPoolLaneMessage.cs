using System.Text.Json.Serialization;

namespace Wrenn.Agent.Registration;

/// <summary>One key of the warm pool in a heartbeat: its template (id or image name, as creates name it), size and ready sandboxes.</summary>
public sealed record HeartbeatPoolLaneMessage(
    [property: JsonPropertyName("template")] string Template,
    [property: JsonPropertyName("vcpus")] long Vcpus,
    [property: JsonPropertyName("memory_mb")] long MemoryMb,
    [property: JsonPropertyName("ready")] int Ready);
