namespace Wrenn.Bench.Goals;

/// <summary>
/// One figure of one row of issue 16's "Goals" table: what is measured, the target, and the figure the
/// issue measured before the work ("today"), kept as text the way the issue wrote it.
/// </summary>
public sealed record Goal(string Row, string Key, string What, string Unit, TargetKind Kind, double Target, string GoalText, string Today)
{
    /// <summary>Whether <paramref name="value"/> meets the target; null when it needs a baseline that was not measured.</summary>
    public bool? IsMet(double value, double? baseline) => Kind switch
    {
        TargetKind.AtMost => value <= Target,
        TargetKind.AtLeast => value >= Target,
        TargetKind.RatioAtMost => baseline is > 0 ? value / baseline.Value <= Target : null,
        TargetKind.OverBaselineAtMost => baseline is { } b ? value - b <= Target : null,
        _ => null,
    };
}
