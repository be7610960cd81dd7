namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Adds an existing user, by email, to a team ("member" unless "owner" is asked for).</summary>
public sealed record AddMemberRequest(string? Email, string? Role);
