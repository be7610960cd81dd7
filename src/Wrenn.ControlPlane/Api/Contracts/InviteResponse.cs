using System.Text.Json.Serialization;

namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>An invite as lists show it; <see cref="Code"/> is present only in the answer to its creation.</summary>
public sealed record InviteResponse(
    string Id,
    string? Email,
    string? TeamId,
    string CreatedBy,
    DateTime CreatedAt,
    DateTime ExpiresAt,
    DateTime? UsedAt,
    string? UsedBy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code = null);
