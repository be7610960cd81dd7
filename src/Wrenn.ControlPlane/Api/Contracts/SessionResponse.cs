namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>A user session: the token for Authorization: Bearer, and who it is for.</summary>
public sealed record SessionResponse(string Token, DateTime ExpiresAt, string UserId, string Email, IReadOnlyList<TeamResponse> Teams);
