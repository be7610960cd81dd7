using System.Globalization;
using Wrenn.Bench.Report;

namespace Wrenn.Bench.Steps;

/// <summary>Per-step p50 of one kind of operation (create), steps in the order they first ran, then the total.</summary>
public sealed record StepTable(string Kind, int Operations, IReadOnlyList<StepRow> Rows, StepRow Total)
{
    public static StepTable From(string kind, IEnumerable<OperationTiming> operations)
    {
        var ofKind = operations.Where(o => o.Kind == kind).ToList();
        var samples = new Dictionary<string, Sample>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var step in ofKind.SelectMany(o => o.Steps))
        {
            if (!samples.TryGetValue(step.Name, out var sample))
            {
                samples[step.Name] = sample = new Sample(step.Name);
                order.Add(step.Name);
            }

            sample.Add(step.Ms);
        }

        var total = new Sample("total");
        foreach (var operation in ofKind)
        {
            total.Add(operation.TotalMs);
        }

        return new StepTable(
            kind,
            ofKind.Count,
            [.. order.Select(name => new StepRow(name, samples[name].Count, samples[name].P50, samples[name].P95))],
            new StepRow("total", total.Count, total.P50, total.P95));
    }

    /// <summary>The table as printed lines.</summary>
    public IEnumerable<string> Format()
    {
        yield return $"{Kind} steps, from the agent's log ({Operations} operations):";
        yield return $"  {"step",-28} {"p50",9} {"p95",9}  {"n",4}";
        foreach (var row in Rows.Append(Total))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"  {row.Step,-28} {row.P50,7:F1}ms {row.P95,7:F1}ms  {row.Count,4}");
        }
    }
}
