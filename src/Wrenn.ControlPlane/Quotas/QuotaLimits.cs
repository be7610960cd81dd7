namespace Wrenn.ControlPlane.Quotas;

/// <summary>
/// What one team may hold at once. Sandboxes in every state but stopped and error count toward the
/// sandbox count, vCPUs and memory (a paused sandbox keeps its memory, on disk or frozen, and resumes
/// without asking again); templates count by number and by their bytes on the host.
/// </summary>
public sealed record QuotaLimits(int Sandboxes, int Vcpus, long MemoryMb, int Templates, long TemplateBytes)
{
    /// <summary>Generous for one team's real work, finite so that no team can hold a host forever.</summary>
    public static readonly QuotaLimits Defaults = new(Sandboxes: 100, Vcpus: 200, MemoryMb: 200 * 1024, Templates: 100, TemplateBytes: 100L * 1024 * 1024 * 1024);

    /// <summary>Null when every limit is usable, else what is wrong.</summary>
    public string? Check() =>
        Sandboxes < 0 || Vcpus < 0 || MemoryMb < 0 || Templates < 0 || TemplateBytes < 0
            ? "quotas must be 0 or more"
            : null;
}
