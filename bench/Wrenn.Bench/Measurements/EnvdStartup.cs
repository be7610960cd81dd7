using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;
using Wrenn.Tests.Shared;

namespace Wrenn.Bench.Measurements;

/// <summary>
/// envd's start → first /health and its idle RSS: builds/envd started <c>--runs</c> times on a loopback
/// port, each left idle 0.5 s before its RSS is read. No baseline: the goals are absolute.
/// </summary>
public sealed class EnvdStartup : IMeasurement
{
    public string Row => "envd";

    public string Title => "envd start → first /health; idle RSS";

    public PlatformKind Platform => PlatformKind.None;

    public async Task<RowResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var binary = Path.Combine(TestEnvironment.Builds, "envd");
        if (!File.Exists(binary))
        {
            return RowResult.Skip(Row, Title, $"no {binary}: run make build");
        }

        var health = new Sample("envd: start → first /health (loopback port, polled every 0.5 ms)");
        var rss = new Sample("envd: idle RSS after 0.5 s (MB)");
        // One untimed start: the binary into the page cache.
        await using (await EnvdProcess.StartAsync(binary, cancellationToken))
        {
        }

        for (var i = 0; i < context.Options.Runs; i++)
        {
            await using var envd = await EnvdProcess.StartAsync(binary, cancellationToken);
            health.Add(envd.StartToHealth);
            await Task.Delay(500, cancellationToken);
            rss.Add(envd.RssKb() / 1024.0);
        }

        return new RowResult(Row, Title)
        {
            Figures =
            [
                new Figure("envd_start_to_health_p50", health.P50),
                new Figure("envd_idle_rss", rss.P50, Note: $"p50 of {rss.Count} starts; binary {new FileInfo(binary).Length / 1e6:F1} MB"),
            ],
            Distributions = [health],
            Details = new System.Text.Json.Nodes.JsonObject
            {
                ["binary_bytes"] = new FileInfo(binary).Length,
                ["idle_rss_mb_p50"] = Math.Round(rss.P50, 2),
                ["idle_rss_mb_max"] = Math.Round(rss.Values.Max(), 2),
            },
        };
    }
}
