namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Answer of GET /v1/auth/me: who the session is for, their teams and whether they administer the installation.</summary>
public sealed record MeResponse(string UserId, string Email, bool IsAdmin, IReadOnlyList<TeamResponse> Teams);
