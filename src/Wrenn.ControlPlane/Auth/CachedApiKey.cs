namespace Wrenn.ControlPlane.Auth;

/// <summary>What authentication needs of a verified API key, remembered for a moment (<see cref="ApiKeyCache"/>).</summary>
/// <param name="Id">The key's id (team_api_keys.id).</param>
/// <param name="TeamId">The team the key acts for.</param>
/// <param name="LastUsedAt">last_used_at as this process last read or wrote it.</param>
/// <param name="VerifiedAt">When the row was read from the database; the entry is good until this plus the cache's lifetime.</param>
public sealed record CachedApiKey(string Id, string TeamId, DateTime? LastUsedAt, DateTime VerifiedAt);
