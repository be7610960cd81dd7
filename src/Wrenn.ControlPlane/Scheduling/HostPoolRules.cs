using Wrenn.ControlPlane.Api.Contracts;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// What a heartbeat may say of its pool per key. Placement takes a claimed sandbox's room out of the
/// pool's totals, so the ready sandboxes of all keys must fit in those totals: a host could otherwise
/// make its own sandboxes count for less than they are.
/// </summary>
public static class HostPoolRules
{
    public const int MaxLanes = 256;

    public const int MaxTemplateLength = 128;

    public const int MaxReady = 65_536;

    /// <summary>Null when the keys are plausible and their ready sandboxes fit in the pooled totals.</summary>
    public static string? Check(IReadOnlyList<HeartbeatPoolLane>? lanes, int? pooledVcpus, long? pooledMemoryMb)
    {
        if (lanes is null)
        {
            return null;
        }

        if (lanes.Count > MaxLanes)
        {
            return $"pool must have at most {MaxLanes} entries";
        }

        long vcpus = 0;
        long memoryMb = 0;
        foreach (var lane in lanes)
        {
            if (lane is null || string.IsNullOrEmpty(lane.Template) || lane.Template.Length > MaxTemplateLength)
            {
                return $"pool[].template must be 1-{MaxTemplateLength} characters";
            }

            if (lane.Vcpus is not (>= 1 and <= Api.HostSpecRules.MaxPooledVcpus) || lane.MemoryMb is not (>= 1 and <= Api.HostSpecRules.MaxPooledMemoryMb) || lane.Ready is not (>= 0 and <= MaxReady))
            {
                return $"pool[].vcpus must be 1..{Api.HostSpecRules.MaxPooledVcpus}, pool[].memory_mb 1..{Api.HostSpecRules.MaxPooledMemoryMb} and pool[].ready 0..{MaxReady}";
            }

            vcpus += (long)lane.Ready.Value * lane.Vcpus.Value;
            memoryMb += lane.Ready.Value * lane.MemoryMb.Value;
        }

        return vcpus > (pooledVcpus ?? 0) || memoryMb > (pooledMemoryMb ?? 0)
            ? "the pool's ready sandboxes must fit in pooled_vcpus and pooled_memory_mb"
            : null;
    }

    /// <summary>The checked lanes as placement keeps them.</summary>
    public static IReadOnlyList<HostPoolLane> ToLanes(IReadOnlyList<HeartbeatPoolLane>? lanes) =>
        lanes is null ? [] : [.. lanes.Select(l => new HostPoolLane(l.Template!, l.Vcpus!.Value, l.MemoryMb!.Value, l.Ready!.Value))];
}
