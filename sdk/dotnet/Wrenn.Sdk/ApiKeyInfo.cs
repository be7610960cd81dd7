using System.Text.Json.Serialization;

namespace Wrenn.Sdk;

/// <summary>An API key of your team; <see cref="Key"/> is there only in the answer to its creation.</summary>
/// <param name="Id">Its id, to revoke it.</param>
/// <param name="Name">What it is for.</param>
/// <param name="Prefix">Its first characters, to recognise it.</param>
/// <param name="TeamId">The team it acts for.</param>
/// <param name="CreatedBy">The user who made it.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="LastUsedAt">When it was last used (null: never).</param>
/// <param name="Key">The key itself (<c>wrn_…</c>), only when just created.</param>
public sealed record ApiKeyInfo(
    string Id,
    string Name,
    string Prefix,
    string TeamId,
    string? CreatedBy,
    DateTime CreatedAt,
    DateTime? LastUsedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key = null);
