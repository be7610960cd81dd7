namespace Wrenn.ControlPlane.Proxy;

/// <summary>A sandbox's <see cref="Upstream"/>, or why it cannot be reached (<see cref="Error"/>, for the 502 body).</summary>
public sealed record UpstreamLookup(SandboxUpstream? Upstream, string? Error)
{
    public static UpstreamLookup Found(SandboxUpstream upstream) => new(upstream, null);

    public static UpstreamLookup Unreachable(string error) => new(null, error);
}
