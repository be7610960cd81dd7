using System.Globalization;
using Wrenn.Bench.Goals;

namespace Wrenn.Bench.Report;

/// <summary>A goal of the issue beside what this run measured for it (or why it did not).</summary>
public sealed record GoalLine(Goal Goal, Figure? Figure, string? Skipped)
{
    public double? Ratio => Figure is { Baseline: > 0 } f ? f.Value / f.Baseline.Value : null;

    public double? Over => Figure is { Baseline: { } b } f ? f.Value - b : null;

    public bool? Met => Figure is { } f ? Goal.IsMet(f.Value, f.Baseline) : null;

    public string NewText => Figure is { } f ? Format(f.Value, Goal.Unit) : "-";

    /// <summary>"1.23× of …" or "+3.1 ms over …", whichever the goal is judged by; empty without a baseline; why, when not measured.</summary>
    public string VersusText => Figure is not { Baseline: { } baseline } f
        ? Figure is null ? Skipped ?? "not run" : ""
        : Goal.Kind == TargetKind.OverBaselineAtMost
            ? string.Create(CultureInfo.InvariantCulture, $"{f.Value - baseline:+0.0;-0.0} ms over {Format(baseline, Goal.Unit)}")
            : string.Create(CultureInfo.InvariantCulture, $"{f.Value / baseline:F2}× of {Format(baseline, Goal.Unit)}");

    public static string Format(double value, string unit) => unit switch
    {
        "ms" when value >= 1000 => string.Create(CultureInfo.InvariantCulture, $"{value / 1000:F2} s"),
        "ms" => string.Create(CultureInfo.InvariantCulture, $"{value:F1} ms"),
        "/s" => string.Create(CultureInfo.InvariantCulture, $"{value:F1}/s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{value:F1} {unit}"),
    };
}
