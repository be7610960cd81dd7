namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of POST /v1/auth/signup and POST /v1/auth/login.</summary>
public sealed record SignupRequest(string? Email, string? Password);
