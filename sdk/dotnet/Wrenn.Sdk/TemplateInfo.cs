using System.Text.Json.Nodes;

namespace Wrenn.Sdk;

/// <summary>A template: a sandbox's files frozen under a name, to start new sandboxes from.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Vcpus">The vCPUs its sandboxes get.</param>
/// <param name="MemoryMb">The memory its sandboxes get.</param>
public sealed record TemplateInfo(string Name, int Vcpus, int MemoryMb)
{
    internal static TemplateInfo From(JsonNode node) =>
        new(node["name"]!.GetValue<string>(), node["vcpus"]?.GetValue<int>() ?? 0, node["memory_mb"]?.GetValue<int>() ?? 0);
}
