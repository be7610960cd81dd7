namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>
/// A secret the control plane signs tokens with, kept in the database so that every replica signs
/// and verifies alike. Table signing_keys, one row per purpose.
/// </summary>
public sealed class SigningKeyEntity
{
    /// <summary>User session tokens.</summary>
    public const string UserTokens = "user-jwt";

    /// <summary>Tokens hosts present on heartbeats.</summary>
    public const string HostTokens = "host-jwt";

    public required string Purpose { get; set; }

    /// <summary>32 random bytes, base64.</summary>
    public required string KeyBase64 { get; set; }

    public DateTime CreatedAt { get; set; }
}
