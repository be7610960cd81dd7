namespace Wrenn.Envd.Http;

/// <summary>CPU use since the previous sample, from /proc/stat (the first sample measures a short interval).</summary>
public sealed class CpuSampler
{
    private static readonly TimeSpan FirstInterval = TimeSpan.FromMilliseconds(100);
    private readonly Lock _gate = new();
    private (long Busy, long Total)? _previous;

    public async Task<double> UsedPercentAsync(CancellationToken cancellationToken)
    {
        (long Busy, long Total)? previous;
        lock (_gate)
        {
            previous = _previous;
        }

        if (previous is null)
        {
            previous = Read();
            await Task.Delay(FirstInterval, cancellationToken).ConfigureAwait(false);
        }

        var current = Read();
        lock (_gate)
        {
            _previous = current;
        }

        var total = current.Total - previous.Value.Total;
        return total <= 0 ? 0 : Math.Round(100.0 * (current.Busy - previous.Value.Busy) / total, 2);
    }

    private static (long Busy, long Total) Read()
    {
        // "cpu  user nice system idle iowait irq softirq steal ..."
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
        var total = fields.Take(8).Sum();
        return (total - idle, total);
    }
}
