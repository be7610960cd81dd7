using System.Collections.Concurrent;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// What each host's warm pool held per key at its last heartbeat, kept in this process (the hosts table
/// has the pool's totals only). Placement uses it when it is the host's latest heartbeat: another
/// replica may have received a newer one, and then this one's is not used (placement then counts
/// the pool's totals alone, which errs on the side of room).
/// </summary>
public sealed class HostPools
{
    private readonly ConcurrentDictionary<string, HostPoolReport> _reports = new(StringComparer.Ordinal);

    /// <summary>Keeps what the heartbeat saved at <paramref name="seenAt"/> said of <paramref name="hostId"/>'s pool.</summary>
    public void Record(string hostId, DateTime seenAt, IReadOnlyList<HostPoolLane> lanes) =>
        _reports[hostId] = new HostPoolReport(seenAt, lanes);

    /// <summary>
    /// The host's pool per key when this process received the heartbeat it was last seen by
    /// (<paramref name="lastSeenAt"/>, as the database has it: its precision may be coarser), else null.
    /// </summary>
    public HostPoolReport? Current(string hostId, DateTime? lastSeenAt) =>
        lastSeenAt is { } seen && _reports.TryGetValue(hostId, out var report) && Math.Abs((report.SeenAt - seen).Ticks) < TimeSpan.TicksPerMillisecond
            ? report
            : null;
}
