using System.Text.Json.Nodes;

namespace Wrenn.Sdk;

/// <summary>A sandbox as the API describes it.</summary>
/// <param name="Id">"sb-" and 16 hex digits.</param>
/// <param name="State">starting, running, pausing, paused, resuming, stopped, error, or lost (its host stopped answering; it may come back).</param>
/// <param name="Template">The image or template it started from.</param>
/// <param name="Vcpus">Its vCPUs.</param>
/// <param name="MemoryMb">Its memory in MiB.</param>
/// <param name="TimeoutSec">Seconds of inactivity before it is paused (0 = never).</param>
/// <param name="Metadata">Your key/value pairs.</param>
public sealed record SandboxInfo(string Id, string State, string Template, int Vcpus, int MemoryMb, int TimeoutSec, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The host it runs on.</summary>
    public string HostId { get; init; } = string.Empty;

    /// <summary>When it was created.</summary>
    public DateTime CreatedAt { get; init; }

    /// <summary>When it last did something (exec, files, ping).</summary>
    public DateTime LastActiveAt { get; init; }

    /// <summary>When it is killed (or paused, with <see cref="AutoPause"/>); null = never.</summary>
    public DateTime? EndAt { get; init; }

    /// <summary>True when its end pauses it instead of killing it.</summary>
    public bool AutoPause { get; init; }

    /// <summary>True when a call to it while paused resumes it.</summary>
    public bool AutoResume { get; init; }

    internal static SandboxInfo From(JsonNode node) => new(
        node["id"]!.GetValue<string>(),
        node["state"]!.GetValue<string>(),
        node["template"]?.GetValue<string>() ?? string.Empty,
        node["vcpus"]?.GetValue<int>() ?? 0,
        node["memory_mb"]?.GetValue<int>() ?? 0,
        node["timeout_sec"]?.GetValue<int>() ?? 0,
        node["metadata"] is JsonObject metadata ? metadata.ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? string.Empty) : new Dictionary<string, string>())
    {
        HostId = node["host_id"]?.GetValue<string>() ?? string.Empty,
        CreatedAt = node["created_at"]?.GetValue<DateTime>() ?? default,
        LastActiveAt = node["last_active_at"]?.GetValue<DateTime>() ?? default,
        EndAt = node["end_at"]?.GetValue<DateTime>(),
        AutoPause = node["auto_pause"]?.GetValue<bool>() ?? false,
        AutoResume = node["auto_resume"]?.GetValue<bool>() ?? false,
    };
}
