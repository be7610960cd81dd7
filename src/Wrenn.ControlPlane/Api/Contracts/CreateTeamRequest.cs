namespace Wrenn.ControlPlane.Api.Contracts;

public sealed record CreateTeamRequest(string? Name);
