namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of POST /v1/auth/password.</summary>
public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);
