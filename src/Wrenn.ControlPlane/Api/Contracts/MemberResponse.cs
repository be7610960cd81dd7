namespace Wrenn.ControlPlane.Api.Contracts;

public sealed record MemberResponse(string UserId, string Email, string Role, DateTime JoinedAt);
