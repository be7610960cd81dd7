namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>A registration token: use it once, within the hour, with `wrenn-agent --register`.</summary>
public sealed record HostTokenResponse(string HostId, string RegistrationToken, DateTime ExpiresAt);
