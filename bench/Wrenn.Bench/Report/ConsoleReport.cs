using System.Globalization;
using Wrenn.Bench.Goals;

namespace Wrenn.Bench.Report;

/// <summary>Prints the goal table (today, goal, new, against the baseline), then the comparisons and any tables.</summary>
public static class ConsoleReport
{
    public static IReadOnlyList<GoalLine> GoalLines(IReadOnlyList<RowResult> results) =>
    [
        .. IssueGoals.All
            .Where(g => results.Any(r => r.Row == g.Row))
            .Select(g =>
            {
                var row = results.First(r => r.Row == g.Row);
                return new GoalLine(g, row.Figures.FirstOrDefault(f => f.GoalKey == g.Key), row.Skipped ?? (row.Figures.Any(f => f.GoalKey == g.Key) ? null : "not measured"));
            }),
    ];

    public static void Print(IReadOnlyList<RowResult> results, TextWriter output)
    {
        var lines = GoalLines(results);
        output.WriteLine();
        output.WriteLine("Issue 16 goals (p50 unless said; 'today' is the issue's figure, 'new' and the baseline are this run's)");
        output.WriteLine($"{"row",-16} {"what",-44} {"today",-11} {"goal",-29} {"new",-10} {"met",-4} against the raw baseline (same run)");
        foreach (var line in lines)
        {
            var met = line.Met switch { true => "yes", false => "NO", null => "-" };
            output.WriteLine($"{line.Goal.Row,-16} {line.Goal.What,-44} {line.Goal.Today,-11} {line.Goal.GoalText,-29} {line.NewText,-10} {met,-4} {line.VersusText}");
        }

        foreach (var line in lines.Where(l => l.Figure?.Note is not null || l.Figure?.BaselineName is not null))
        {
            output.WriteLine($"  {line.Goal.Key}: {line.Figure!.Note}{(line.Figure.Note is not null && line.Figure.BaselineName is not null ? "; " : "")}{(line.Figure.BaselineName is { } b ? "baseline " + b : "")}");
        }

        var comparisons = results.SelectMany(r => r.Comparisons).ToList();
        if (comparisons.Count > 0)
        {
            output.WriteLine();
            output.WriteLine($"{"comparison",-26} {"wrenn p50",10} {"wrenn p95",10} {"raw p50",9} {"raw p95",9} {"ratio p50",10} {"ratio p95",10} {"added p50",10}   n");
            foreach (var c in comparisons)
            {
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{c.Name,-26} {c.Wrenn.P50,8:F2}ms {c.Wrenn.P95,8:F2}ms {c.Baseline.P50,7:F2}ms {c.Baseline.P95,7:F2}ms {c.RatioP50,9:F2}x {c.RatioP95,9:F2}x {c.Wrenn.P50 - c.Baseline.P50,8:F2}ms {c.Wrenn.Count,4}"));
            }

            foreach (var c in comparisons)
            {
                output.WriteLine($"  {c.Name}: {c.Wrenn.Name}  vs  {c.Baseline.Name}");
            }
        }

        foreach (var result in results.Where(r => r.Lines.Count > 0))
        {
            output.WriteLine();
            foreach (var line in result.Lines)
            {
                output.WriteLine(line);
            }
        }

        var skipped = results.Where(r => r.Skipped is not null && !IssueGoals.All.Any(g => g.Row == r.Row)).ToList();
        foreach (var result in skipped)
        {
            output.WriteLine($"{result.Row}: {result.Skipped}");
        }
    }
}
