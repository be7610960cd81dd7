using System.Diagnostics;
using System.Globalization;
using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;

namespace Wrenn.Bench.Measurements;

/// <summary>
/// Creates that hit the warm pool: each waits until the pool is full again (so every create is a hit
/// and no refill competes with it), then times POST /v1/sandboxes alone, or with the first exec
/// (<paramref name="withExec"/>). The ratio is to `runc run` + netns of the same rootfs.
/// </summary>
public sealed class WarmCreate(bool withExec) : IMeasurement
{
    public string Row => withExec ? "warm-first-exec" : "warm-create";

    public string Title => withExec ? "create → first exec output, warm pool hit" : "API create, warm pool hit";

    public PlatformKind Platform => PlatformKind.Warm;

    public async Task<RowResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        if (!PoolProbe.AgentKnowsPool(Wrenn.Tests.Shared.TestEnvironment.Builds))
        {
            return RowResult.Skip(Row, Title, "pool not available: this build's agent does not read WRENN_WARM_POOL");
        }

        var platform = await context.Platforms.GetAsync(Platform, cancellationToken);
        if (context.Platforms.Pool is not { Available: true })
        {
            return RowResult.Skip(Row, Title, "pool not available: " + context.Platforms.Pool?.Reason);
        }

        var client = new SandboxClient(platform.Http);
        var probe = new PoolProbe(platform.WrennDir);
        var sample = new Sample(withExec ? "wrenn warm: POST /v1/sandboxes + POST exec (echo hello)" : "wrenn warm: POST /v1/sandboxes");

        // The row's figure split in two, and a second exec in the same sandbox after the timed part: what the
        // first exec after a claim costs over a later one, in the same run (absolute figures move with the load).
        var creates = new Sample("wrenn warm: the POST /v1/sandboxes of create → first exec");
        var firstExecs = new Sample("wrenn warm: first POST exec (echo hello) after the claim");
        var secondExecs = new Sample("wrenn warm: second POST exec (echo hello) in the same sandbox");
        var misses = 0;
        for (var i = 0; i < context.Options.Runs + 1; i++)
        {
            if (!await probe.WaitForDepthAsync(context.Options.PoolDepth, TimeSpan.FromSeconds(30), cancellationToken))
            {
                misses++;
            }

            var started = Stopwatch.GetTimestamp();
            var id = await client.CreateAsync("minimal", cancellationToken);
            var created = Stopwatch.GetTimestamp();
            if (withExec)
            {
                await client.EchoHelloAsync(id, cancellationToken);
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            var second = TimeSpan.Zero;
            if (withExec)
            {
                var secondStarted = Stopwatch.GetTimestamp();
                await client.EchoHelloAsync(id, cancellationToken);
                second = Stopwatch.GetElapsedTime(secondStarted);
            }

            await client.DeleteSandboxAsync(id);
            // The first is a warm-up (JIT, connections).
            if (i > 0)
            {
                sample.Add(elapsed);
                creates.Add(Stopwatch.GetElapsedTime(started, created));
                firstExecs.Add(elapsed - Stopwatch.GetElapsedTime(started, created));
                secondExecs.Add(second);
            }
        }

        var raw = await context.RawCreateAsync(cancellationToken);
        var note = misses > 0 ? $"{misses} create(s) started before the pool was full again" : null;
        return new RowResult(Row, Title)
        {
            Figures = [new Figure(withExec ? "warm_first_exec_p50" : "warm_create_p50", sample.P50, raw.P50, raw.Name, note)],
            Comparisons = [new Comparison(Row.Replace('-', '_'), Title + " vs runc run + netns", sample, raw)],
            Distributions = withExec ? [sample, firstExecs, secondExecs] : [sample],
            Lines = withExec
                ? [string.Create(CultureInfo.InvariantCulture, $"{Row}: p50 create {creates.P50:F1} ms + first exec {firstExecs.P50:F1} ms; a second exec in the same sandbox {secondExecs.P50:F1} ms (not in the figure)")]
                : [],
        };
    }
}
