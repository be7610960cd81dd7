namespace Wrenn.Agent.Metrics;

/// <summary>
/// One sandbox's recent readings: every reading of the last <c>fineSpan</c>, then one per minute
/// (averaged) for the last <c>coarseSpan</c>. Bounded either way; not thread-safe (the store locks).
/// </summary>
public sealed class MetricsHistory(TimeSpan fineSpan, TimeSpan coarseSpan)
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private readonly LinkedList<MetricsSample> _fine = new();
    private readonly LinkedList<MetricsSample> _coarse = new();
    private readonly List<MetricsSample> _minute = [];

    /// <summary>The newest reading, or null before the first.</summary>
    public MetricsSample? Latest => _fine.Last?.Value;

    public void Add(MetricsSample sample)
    {
        if (_fine.Last is { } last && sample.Timestamp <= last.Value.Timestamp)
        {
            return;
        }

        // A reading in a new minute closes the one before: it becomes a single coarse sample.
        if (_minute.Count > 0 && Truncate(sample.Timestamp) != Truncate(_minute[0].Timestamp))
        {
            _coarse.AddLast(Average(_minute));
            _minute.Clear();
        }

        _minute.Add(sample);
        _fine.AddLast(sample);
        while (_fine.First!.Value.Timestamp < sample.Timestamp - fineSpan)
        {
            _fine.RemoveFirst();
        }

        while (_coarse.First is { } oldest && oldest.Value.Timestamp < sample.Timestamp - coarseSpan)
        {
            _coarse.RemoveFirst();
        }
    }

    /// <summary>
    /// Readings with timestamps in [start, end], oldest first: per-minute ones from before the oldest
    /// full-rate reading, then every full-rate one.
    /// </summary>
    public IReadOnlyList<MetricsSample> Query(DateTimeOffset? start, DateTimeOffset? end)
    {
        var from = start ?? DateTimeOffset.MinValue;
        var to = end ?? DateTimeOffset.MaxValue;
        var fineFrom = _fine.First?.Value.Timestamp ?? DateTimeOffset.MaxValue;
        return [
            .. _coarse.Where(s => s.Timestamp < fineFrom && s.Timestamp >= from && s.Timestamp <= to),
            .. _fine.Where(s => s.Timestamp >= from && s.Timestamp <= to),
        ];
    }

    private static DateTimeOffset Truncate(DateTimeOffset at) =>
        new(at.UtcTicks - (at.UtcTicks % Minute.Ticks), TimeSpan.Zero);

    /// <summary>A minute as one reading, stamped at its last one: mean CPU and memory, last counters.</summary>
    private static MetricsSample Average(List<MetricsSample> minute)
    {
        var last = minute[^1];
        return last with
        {
            CpuUsedPct = Math.Round(minute.Average(s => s.CpuUsedPct), 2),
            MemoryUsedBytes = (long)minute.Average(s => (double)s.MemoryUsedBytes),
        };
    }
}
