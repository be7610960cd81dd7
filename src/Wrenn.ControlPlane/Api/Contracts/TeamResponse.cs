namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>A team and the caller's role in it ("owner" or "member").</summary>
public sealed record TeamResponse(string Id, string Name, string Role, DateTime CreatedAt);
