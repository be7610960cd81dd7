using System.Text.Json;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>Rows as the service answers them.</summary>
public static class SandboxViews
{
    public static SandboxDetails ToDetails(SandboxEntity sandbox) => new(
        sandbox.Id,
        sandbox.TeamId,
        sandbox.Template,
        sandbox.State,
        sandbox.Vcpus,
        sandbox.MemoryMb,
        DiskSizeMb: null,
        sandbox.TimeoutSec,
        Utc(sandbox.CreatedAt),
        Utc(sandbox.StartedAt ?? sandbox.CreatedAt),
        Utc(sandbox.LastActiveAt),
        sandbox.EndAt is { } end ? Utc(end) : null,
        sandbox.LifetimeSec,
        sandbox.StoppedAt is { } stopped ? Utc(stopped) : null,
        Metadata(sandbox),
        sandbox.EnvdAccessToken,
        sandbox.EnvdVersion,
        sandbox.TrafficAccessToken,
        sandbox.AutoPause,
        sandbox.AutoResume,
        sandbox.HostId);

    public static TemplateDetails ToDetails(TemplateEntity template) => new(
        template.Id,
        template.Name,
        template.TeamId,
        template.SourceSandboxId,
        template.BaseTemplate,
        template.Vcpus,
        template.MemoryMb,
        template.SizeBytes,
        template.KeepsMemory,
        template.HostId,
        Utc(template.CreatedAt));

    public static Dictionary<string, string> Metadata(SandboxEntity sandbox) =>
        JsonSerializer.Deserialize(sandbox.MetadataJson, ControlPlaneJsonContext.Default.DictionaryStringString) ?? [];

    /// <summary>The database hands back unspecified kinds (SQLite); every time the service stores is UTC.</summary>
    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);
}
