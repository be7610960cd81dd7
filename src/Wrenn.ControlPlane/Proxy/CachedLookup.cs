namespace Wrenn.ControlPlane.Proxy;

/// <summary>A lookup <see cref="SandboxUpstreams"/> reuses until <see cref="ExpiresAt"/>.</summary>
internal sealed record CachedLookup(UpstreamLookup Lookup, DateTimeOffset ExpiresAt);
