namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>
/// A copy of a template on a host other than the one it was made on (table template_copies): a cache,
/// removed from the host once unused for WRENN_TEMPLATE_COPY_IDLE_SEC, and with the template.
/// </summary>
public sealed class TemplateCopyEntity
{
    public required string TemplateId { get; set; }

    public required string HostId { get; set; }

    public DateTime CopiedAt { get; set; }

    /// <summary>When a sandbox from it was last placed on this host: eviction counts from here.</summary>
    public DateTime LastUsedAt { get; set; }
}
