namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of POST /v1/invites: optionally the only email that may use it, and a team the new user joins.</summary>
public sealed record CreateInviteRequest(string? Email, string? TeamId);
