namespace Wrenn.Bench.Report;

/// <summary>Timings (or other figures) of one measured thing, in milliseconds unless its name says otherwise.</summary>
public sealed class Sample(string name)
{
    private readonly List<double> _values = [];

    public string Name { get; } = name;

    public int Count => _values.Count;

    public IReadOnlyList<double> Values => _values;

    public void Add(TimeSpan elapsed) => _values.Add(elapsed.TotalMilliseconds);

    public void Add(double value) => _values.Add(value);

    public double Percentile(double p)
    {
        if (_values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = _values.Order().ToArray();
        // Nearest rank: the smallest value with at least p of the samples at or below it.
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public double P50 => Percentile(50);

    public double P95 => Percentile(95);

    public double P99 => Percentile(99);
}
