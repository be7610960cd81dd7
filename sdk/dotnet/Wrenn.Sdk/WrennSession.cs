namespace Wrenn.Sdk;

/// <summary>A user session from <see cref="WrennClient.LoginAsync"/>: its token authenticates account calls until <see cref="ExpiresAt"/>.</summary>
/// <param name="Token">The bearer token (keep it secret).</param>
/// <param name="ExpiresAt">When it stops working.</param>
/// <param name="UserId">Who logged in.</param>
/// <param name="Email">Their email.</param>
/// <param name="Teams">Their teams.</param>
public sealed record WrennSession(string Token, DateTime ExpiresAt, string UserId, string Email, IReadOnlyList<TeamInfo> Teams);
