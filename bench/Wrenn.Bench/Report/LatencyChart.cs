using ScottPlot;

namespace Wrenn.Bench.Report;

/// <summary>
/// The latency distributions of the run as one PNG: each sample's cumulative distribution (share of
/// runs at or below a latency) on a logarithmic latency axis, so a 1 ms exec and a 2 s VM create fit
/// the same chart. Rendered headless by ScottPlot through SkiaSharp's self-contained Linux library.
/// </summary>
public static class LatencyChart
{
    public static string? Save(IEnumerable<Sample> samples, string path, string title)
    {
        var drawn = samples.Where(s => s.Count > 0 && s.Values.All(v => v > 0)).DistinctBy(s => s.Name).ToList();
        if (drawn.Count == 0)
        {
            return null;
        }

        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category20();
        for (var i = 0; i < drawn.Count; i++)
        {
            var sorted = drawn[i].Values.Order().ToArray();
            var xs = sorted.Select(Math.Log10).ToArray();
            var ys = Enumerable.Range(1, sorted.Length).Select(rank => 100.0 * rank / sorted.Length).ToArray();
            var line = plot.Add.ScatterLine(xs, ys);
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.Color = palette.GetColor(i);
            line.LineWidth = 2;
            line.LegendText = $"{drawn[i].Name} (p50 {drawn[i].P50:F1} ms, n={drawn[i].Count})";
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = x => Math.Pow(10, x) is var ms && ms >= 1000 ? $"{ms / 1000:0.##} s" : $"{ms:0.###} ms",
        };
        plot.Title(title);
        plot.XLabel("latency (log scale)");
        plot.YLabel("% of runs at or below");
        // Whole decades, so every chart has labelled ticks at both ends (10 ms, 100 ms, 1 s, …).
        var all = drawn.SelectMany(d => d.Values).ToArray();
        plot.Axes.SetLimits(Math.Floor(Math.Log10(all.Min())), Math.Ceiling(Math.Log10(all.Max()) + 1e-9), 0, 102);
        // Beside the plot, not over it: the lines fill the whole width.
        plot.ShowLegend(Edge.Right);
        plot.Legend.FontSize = 11;
        plot.SavePng(path, 2000, Math.Max(600, 120 + (22 * drawn.Count)));
        return path;
    }
}
