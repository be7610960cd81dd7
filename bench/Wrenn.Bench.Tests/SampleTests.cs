using Wrenn.Bench.Report;

namespace Wrenn.Bench.Tests;

public class SampleTests
{
    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var sample = new Sample("s");
        foreach (var value in new[] { 5.0, 1, 4, 2, 3 })
        {
            sample.Add(value);
        }

        Assert.Equal(3, sample.P50);
        Assert.Equal(5, sample.P95);
        Assert.Equal(5, sample.P99);
        Assert.Equal(1, sample.Percentile(1));
    }

    [Fact]
    public void An_empty_sample_has_no_percentile() => Assert.True(double.IsNaN(new Sample("s").P50));
}
