namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>
/// A secret the control plane signs tokens with, kept in the database so that every replica signs
/// and verifies alike. Table signing_keys. A purpose may have several keys: tokens name theirs in the
/// JWT header's <c>kid</c>, any key not retired verifies, and the newest one not retired signs.
/// </summary>
public sealed class SigningKeyEntity
{
    /// <summary>User session tokens.</summary>
    public const string UserTokens = "user-jwt";

    /// <summary>Tokens hosts present on heartbeats.</summary>
    public const string HostTokens = "host-jwt";

    /// <summary>The key id tokens carry as <c>kid</c>. Keys made before rotation existed have their purpose as id.</summary>
    public required string Id { get; set; }

    public required string Purpose { get; set; }

    /// <summary>32 random bytes, base64.</summary>
    public required string KeyBase64 { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When set, tokens signed with this key are refused (after the replicas' next start).</summary>
    public DateTime? RetiredAt { get; set; }
}
