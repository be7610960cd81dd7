namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of GET /v1/invites.</summary>
public sealed record InviteListResponse(IReadOnlyList<InviteResponse> Invites);
