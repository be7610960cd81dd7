namespace Wrenn.Agent.Envd;

/// <summary>Where a sandbox's envd answers, and the access token it was given at /init (null before).</summary>
public sealed record EnvdEndpoint(Uri BaseUri, string? AccessToken);
