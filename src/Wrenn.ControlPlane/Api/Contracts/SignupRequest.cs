namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of POST /v1/auth/signup and POST /v1/auth/login; <see cref="Invite"/> is the sign-up's invite code.</summary>
public sealed record SignupRequest(string? Email, string? Password, string? Invite = null);
