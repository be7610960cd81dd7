namespace Wrenn.Bench.Report;

/// <summary>Wrenn's timing of something beside the raw baseline of the same work, measured in the same run.</summary>
public sealed record Comparison(string Name, string What, Sample Wrenn, Sample Baseline)
{
    public double RatioP50 => Wrenn.P50 / Baseline.P50;

    public double RatioP95 => Wrenn.P95 / Baseline.P95;
}
