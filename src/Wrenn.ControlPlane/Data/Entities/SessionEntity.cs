namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>
/// One login: the session token carries its id as <c>jti</c>, and every request made with the token
/// checks that the row is there and not revoked. Table sessions.
/// </summary>
public sealed class SessionEntity
{
    /// <summary>"ses-" and 32 hex digits; the token's jti.</summary>
    public required string Id { get; set; }

    public required string UserId { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When the token expires; rows past it are deleted at the user's next login.</summary>
    public DateTime ExpiresAt { get; set; }

    /// <summary>Set by logout, a password change (the user's other sessions) and nothing else.</summary>
    public DateTime? RevokedAt { get; set; }
}
