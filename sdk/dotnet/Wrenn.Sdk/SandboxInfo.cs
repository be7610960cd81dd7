using System.Text.Json.Nodes;

namespace Wrenn.Sdk;

/// <summary>A sandbox as the API describes it.</summary>
/// <param name="Id">"sb-" and 16 hex digits.</param>
/// <param name="State">starting, running, pausing, paused, resuming, stopped or error.</param>
/// <param name="Template">The image or template it started from.</param>
/// <param name="Vcpus">Its vCPUs.</param>
/// <param name="MemoryMb">Its memory in MiB.</param>
/// <param name="TimeoutSec">Seconds of inactivity before it is paused (0 = never).</param>
/// <param name="Metadata">Your key/value pairs.</param>
public sealed record SandboxInfo(string Id, string State, string Template, int Vcpus, int MemoryMb, int TimeoutSec, IReadOnlyDictionary<string, string> Metadata)
{
    internal static SandboxInfo From(JsonNode node) => new(
        node["id"]!.GetValue<string>(),
        node["state"]!.GetValue<string>(),
        node["template"]?.GetValue<string>() ?? string.Empty,
        node["vcpus"]?.GetValue<int>() ?? 0,
        node["memory_mb"]?.GetValue<int>() ?? 0,
        node["timeout_sec"]?.GetValue<int>() ?? 0,
        node["metadata"] is JsonObject metadata ? metadata.ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? string.Empty) : new Dictionary<string, string>());
}
