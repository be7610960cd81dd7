using System.Text.Json.Nodes;

namespace Wrenn.Sdk;

/// <summary>A template: a sandbox's files frozen under a name, to start new sandboxes from.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Vcpus">The vCPUs its sandboxes get.</param>
/// <param name="MemoryMb">The memory its sandboxes get.</param>
public sealed record TemplateInfo(string Name, int Vcpus, int MemoryMb)
{
    /// <summary>The sandbox it was made of.</summary>
    public string SourceSandboxId { get; init; } = string.Empty;

    /// <summary>The base image under it.</summary>
    public string BaseTemplate { get; init; } = string.Empty;

    /// <summary>Its size on disk.</summary>
    public long SizeBytes { get; init; }

    /// <summary>True when it keeps the sandbox's memory too (sandboxes resume from it where it stood).</summary>
    public bool KeepsMemory { get; init; }

    /// <summary>The host it is stored on.</summary>
    public string HostId { get; init; } = string.Empty;

    /// <summary>When it was made.</summary>
    public DateTime CreatedAt { get; init; }

    internal static TemplateInfo From(JsonNode node) =>
        new(node["name"]!.GetValue<string>(), node["vcpus"]?.GetValue<int>() ?? 0, node["memory_mb"]?.GetValue<int>() ?? 0)
        {
            SourceSandboxId = node["source_sandbox_id"]?.GetValue<string>() ?? string.Empty,
            BaseTemplate = node["base_template"]?.GetValue<string>() ?? string.Empty,
            SizeBytes = node["size_bytes"]?.GetValue<long>() ?? 0,
            KeepsMemory = node["keeps_memory"]?.GetValue<bool>() ?? false,
            HostId = node["host_id"]?.GetValue<string>() ?? string.Empty,
            CreatedAt = node["created_at"]?.GetValue<DateTime>() ?? default,
        };
}
