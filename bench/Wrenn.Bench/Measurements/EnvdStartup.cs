using System.Text.Json.Nodes;
using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;
using Wrenn.Tests.Shared;

namespace Wrenn.Bench.Measurements;

/// <summary>
/// envd's start → first /health and its idle RSS: builds/envd started <c>--runs</c> times, each left
/// idle 0.5 s before its RSS is read. Both ways of reaching it (see <see cref="EnvdProcess"/>) are
/// measured, alternated, when this envd accepts an inherited socket; the goal figure is then the
/// inherited-socket one, as that is how the agent starts it. No baseline: the goals are absolute.
/// </summary>
public sealed class EnvdStartup : IMeasurement
{
    private const int IdleMs = 500;

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

        EnvdStartMode[] modes = EnvdProcess.SupportsInheritedSocket(binary) ? [EnvdStartMode.InheritedSocket, EnvdStartMode.Port] : [EnvdStartMode.Port];
        var health = modes.ToDictionary(m => m, m => new Sample(m == EnvdStartMode.Port
            ? "envd: start → first /health, own port, polled every 0.5 ms"
            : "envd: start → first /health, inherited socket (LISTEN_FDS)"));
        var rss = new Sample("envd: idle RSS (MB)");
        // One untimed start of each: the binary into the page cache.
        foreach (var mode in modes)
        {
            await using var _ = await EnvdProcess.StartAsync(binary, mode, cancellationToken);
        }

        for (var i = 0; i < context.Options.Runs; i++)
        {
            foreach (var mode in modes)
            {
                await using var envd = await EnvdProcess.StartAsync(binary, mode, cancellationToken);
                health[mode].Add(envd.StartToHealth);
                if (mode == modes[0])
                {
                    await Task.Delay(IdleMs, cancellationToken);
                    rss.Add(envd.RssKb() / 1024.0);
                }
            }
        }

        var goal = health[modes[0]];
        var note = modes.Length > 1
            ? $"inherited socket; with its own port p50 {health[EnvdStartMode.Port].P50:F1} ms"
            : "own port, polled (this envd does not read LISTEN_FDS)";
        return new RowResult(Row, Title)
        {
            Figures =
            [
                new Figure("envd_start_to_health_p50", goal.P50, Note: note),
                new Figure("envd_idle_rss", rss.P50, Note: $"VmRSS after {IdleMs} ms idle, p50 of {rss.Count} starts; binary {new FileInfo(binary).Length / 1e6:F1} MB"),
            ],
            Distributions = [.. health.Values],
            Details = new JsonObject
            {
                ["binary_bytes"] = new FileInfo(binary).Length,
                ["start_to_health_p50_ms"] = new JsonObject(health.Select(h => KeyValuePair.Create(h.Key.ToString(), (JsonNode?)Math.Round(h.Value.P50, 2)))),
                ["idle_rss_mb_p50"] = Math.Round(rss.P50, 2),
                ["idle_rss_mb_max"] = Math.Round(rss.Values.Max(), 2),
            },
        };
    }
}
