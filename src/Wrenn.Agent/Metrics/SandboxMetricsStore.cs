using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Wrenn.Agent.Metrics;

/// <summary>Every sandbox's <see cref="MetricsHistory"/>, in memory: an agent restart starts them afresh.</summary>
public sealed class SandboxMetricsStore(IOptions<MetricsSamplerOptions> options)
{
    private readonly ConcurrentDictionary<string, MetricsHistory> _histories = new();

    public void Add(string sandboxId, MetricsSample sample)
    {
        var history = _histories.GetOrAdd(sandboxId, _ => new MetricsHistory(options.Value.FineSpan, options.Value.CoarseSpan));
        lock (history)
        {
            history.Add(sample);
        }
    }

    public MetricsSample? Latest(string sandboxId)
    {
        if (!_histories.TryGetValue(sandboxId, out var history))
        {
            return null;
        }

        lock (history)
        {
            return history.Latest;
        }
    }

    public IReadOnlyList<MetricsSample> Query(string sandboxId, DateTimeOffset? start, DateTimeOffset? end)
    {
        if (!_histories.TryGetValue(sandboxId, out var history))
        {
            return [];
        }

        lock (history)
        {
            return history.Query(start, end);
        }
    }

    /// <summary>Forgets every sandbox not in <paramref name="sandboxIds"/> (destroyed ones).</summary>
    public void Retain(IReadOnlySet<string> sandboxIds)
    {
        foreach (var id in _histories.Keys.Where(id => !sandboxIds.Contains(id)))
        {
            _histories.TryRemove(id, out _);
        }
    }
}
