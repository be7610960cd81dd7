namespace Wrenn.Sdk;

/// <summary>A host's one-time registration token: give it to <c>wrenn-agent --register</c> before <see cref="ExpiresAt"/>.</summary>
/// <param name="HostId">The host it registers.</param>
/// <param name="RegistrationToken">The token (shown this once).</param>
/// <param name="ExpiresAt">When it stops working (an hour after it was made).</param>
public sealed record HostRegistration(string HostId, string RegistrationToken, DateTime ExpiresAt);
