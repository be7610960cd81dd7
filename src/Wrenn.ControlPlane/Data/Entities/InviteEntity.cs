namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>
/// A one-use sign-up invitation (table invites). Only the SHA-256 of the code is stored. When it names
/// an email, only that address may use it; when it names a team, the new user joins it as a member.
/// </summary>
public sealed class InviteEntity
{
    public required string Id { get; set; }

    /// <summary>Lower-case hex SHA-256 of the code; unique.</summary>
    public required string CodeHash { get; set; }

    public string? Email { get; set; }

    public string? TeamId { get; set; }

    public required string CreatedByUserId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? UsedAt { get; set; }

    public string? UsedByUserId { get; set; }
}
