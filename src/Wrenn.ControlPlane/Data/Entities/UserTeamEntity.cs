namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>Membership of a user in a team, with a role. Table users_teams.</summary>
public sealed class UserTeamEntity
{
    public const string OwnerRole = "owner";
    public const string MemberRole = "member";

    public required string UserId { get; set; }

    public required string TeamId { get; set; }

    public required string Role { get; set; }

    public DateTime CreatedAt { get; set; }
}
