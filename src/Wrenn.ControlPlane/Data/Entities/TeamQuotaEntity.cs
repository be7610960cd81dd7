namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>
/// An administrator's per-team override of the default quotas (table team_quotas); a null limit means
/// the installation's default (ControlPlaneOptions.Quotas).
/// </summary>
public sealed class TeamQuotaEntity
{
    public required string TeamId { get; set; }

    public int? Sandboxes { get; set; }

    public int? Vcpus { get; set; }

    public long? MemoryMb { get; set; }

    public int? Templates { get; set; }

    public long? TemplateBytes { get; set; }

    public DateTime UpdatedAt { get; set; }
}
