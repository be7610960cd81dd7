namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>An API key of a team. Only the SHA-256 of the key is stored. Table team_api_keys.</summary>
public sealed class TeamApiKeyEntity
{
    public required string Id { get; set; }

    public required string TeamId { get; set; }

    public required string Name { get; set; }

    /// <summary>Lower-case hex SHA-256 of the whole key; unique.</summary>
    public required string KeyHash { get; set; }

    /// <summary>The first characters of the key, to tell keys apart in lists.</summary>
    public required string Prefix { get; set; }

    public string? CreatedByUserId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? LastUsedAt { get; set; }
}
