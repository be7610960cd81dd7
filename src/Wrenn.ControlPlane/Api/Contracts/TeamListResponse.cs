namespace Wrenn.ControlPlane.Api.Contracts;

public sealed record TeamListResponse(IReadOnlyList<TeamResponse> Teams);
