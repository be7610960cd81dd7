namespace Wrenn.ControlPlane.Scheduling;

/// <summary>Which of the hosts with room a new sandbox goes to (WRENN_SCHEDULING_POLICY; docs/scheduling.md).</summary>
public enum SchedulingPolicy
{
    /// <summary>The least loaded host: load spreads, and one host's failure takes the fewest sandboxes with it.</summary>
    Spread,

    /// <summary>The most loaded host that still has room: hosts fill one after another, so idle ones can be drained or turned off.</summary>
    Pack,
}
