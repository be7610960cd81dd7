using System.Diagnostics;
using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;

namespace Wrenn.Bench.Measurements;

/// <summary>
/// 20 creates at once through the API (on the warm platform: they take the pool while it lasts, the
/// rest go cold), against 20 `runc run` + netns at once. Each create's own latency gives the p99; 20
/// over the wall time of the whole burst gives creates/s.
/// </summary>
public sealed class ConcurrentCreates : IMeasurement
{
    public const int Count = 20;

    public string Row => "concurrent";

    public string Title => $"{Count} creates at once";

    public PlatformKind Platform => PlatformKind.Warm;

    public async Task<RowResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var platform = await context.Platforms.GetAsync(Platform, cancellationToken);
        var client = new SandboxClient(platform.Http);
        string note;
        if (context.Platforms.Pool is { Available: true })
        {
            var full = await new PoolProbe(platform.WrennDir).WaitForDepthAsync(context.Options.PoolDepth, TimeSpan.FromSeconds(60), cancellationToken);
            note = $"pool depth {context.Options.PoolDepth}{(full ? "" : ", not full when the burst started")}";
        }
        else
        {
            note = "pool not available: every create took the cold path";
        }

        var ids = new string[Count];
        var wrenn = new Sample($"wrenn: one of {Count} POST /v1/sandboxes at once");
        var started = Stopwatch.GetTimestamp();
        var latencies = await Task.WhenAll(Enumerable.Range(0, Count).Select(async i =>
        {
            var own = Stopwatch.GetTimestamp();
            ids[i] = await client.CreateAsync("minimal", cancellationToken);
            return Stopwatch.GetElapsedTime(own);
        }));
        var wall = Stopwatch.GetElapsedTime(started);
        foreach (var latency in latencies)
        {
            wrenn.Add(latency);
        }

        foreach (var id in ids)
        {
            await client.DeleteSandboxAsync(id);
        }

        var raw = new Sample($"raw: one of {Count} runc run + netns at once");
        var rawStarted = Stopwatch.GetTimestamp();
        var rawLatencies = await Task.WhenAll(Enumerable.Range(0, Count).Select(async _ => (await context.Raw.RunAsync(BenchContext.Echo, cancellationToken)).Elapsed));
        var rawWall = Stopwatch.GetElapsedTime(rawStarted);
        foreach (var latency in rawLatencies)
        {
            raw.Add(latency);
        }

        var rate = Count / wall.TotalSeconds;
        var rawRate = Count / rawWall.TotalSeconds;
        return new RowResult(Row, Title)
        {
            Figures =
            [
                new Figure("concurrent_p99", wrenn.P99, raw.P99, raw.Name, note),
                new Figure("concurrent_rate", rate, rawRate, $"raw: {Count} runc run + netns at once", note),
            ],
            Comparisons = [new Comparison("concurrent_creates", $"{Count} creates at once vs {Count} runc run + netns at once", wrenn, raw)],
            Distributions = [wrenn, raw],
            Details = new System.Text.Json.Nodes.JsonObject
            {
                ["wall_ms"] = Math.Round(wall.TotalMilliseconds, 1),
                ["raw_wall_ms"] = Math.Round(rawWall.TotalMilliseconds, 1),
                ["note"] = note,
            },
        };
    }
}
