namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>The unit that owns sandboxes, templates and API keys. Table teams.</summary>
public sealed class TeamEntity
{
    public required string Id { get; set; }

    public required string Name { get; set; }

    public DateTime CreatedAt { get; set; }
}
