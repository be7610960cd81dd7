using System.Text.Json.Serialization;

namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>An API key as lists show it; <see cref="Key"/> is present only in the answer to its creation.</summary>
public sealed record ApiKeyResponse(
    string Id,
    string Name,
    string Prefix,
    string TeamId,
    string? CreatedBy,
    DateTime CreatedAt,
    DateTime? LastUsedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key = null);
