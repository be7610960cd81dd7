using Wrenn.Bench.Report;

namespace Wrenn.Bench.Tests;

public class ChartTests
{
    [Fact]
    public void The_latency_chart_renders_a_png_without_a_display()
    {
        var fast = new Sample("exec");
        var slow = new Sample("create");
        for (var i = 1; i <= 20; i++)
        {
            fast.Add(i * 0.5);
            slow.Add(200 + (i * 10));
        }

        var path = Path.Combine(Directory.CreateTempSubdirectory("wrenn-bench-chart-").FullName, "chart.png");
        try
        {
            Assert.Equal(path, LatencyChart.Save([fast, slow], path, "test"));
            var bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 1000);
            Assert.Equal((byte[])[0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void Nothing_to_draw_writes_no_chart() =>
        Assert.Null(LatencyChart.Save([new Sample("empty")], Path.Combine(Path.GetTempPath(), "wrenn-bench-never.png"), "test"));
}
