namespace Wrenn.Agent.Pool;

/// <summary>
/// The most vCPUs and memory this host's sandboxes and warm pool may hold together, as the control plane's
/// placement counts them (its heartbeat answer); null for a figure that limits nothing.
/// </summary>
public sealed record HostCapacity(long? Vcpus, long? MemoryMb)
{
    /// <summary>No limit: no control plane has said one yet (or it knows no specs of this host).</summary>
    public static readonly HostCapacity Unlimited = new(null, null);

    public override string ToString() => $"{Vcpus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlimited"} vCPUs, {MemoryMb?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlimited"} MiB";
}
