using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;

namespace Wrenn.Bench.Measurements;

/// <summary>
/// Create → first exec output with the pool off, against `runc run` + netns of the same rootfs running
/// the same command, alternated run by run so both see the same machine load.
/// </summary>
public sealed class ColdFirstExec : IMeasurement
{
    public string Row => "cold-first-exec";

    public string Title => "create → first exec output, pool off";

    public PlatformKind Platform => PlatformKind.Cold;

    public async Task<RowResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var platform = await context.Platforms.GetAsync(Platform, cancellationToken);
        var client = new SandboxClient(platform.Http);
        // Warm both paths (page cache, JIT) before anything is timed.
        await CreateThenExec.TimeAsync(client, "minimal", cancellationToken);
        await context.Raw.RunAsync(BenchContext.Echo, cancellationToken);

        var wrenn = new Sample("wrenn cold: POST /v1/sandboxes + POST exec (echo hello)");
        var raw = BenchContext.NewRawCreateSample();
        for (var i = 0; i < context.Options.Runs; i++)
        {
            wrenn.Add(await CreateThenExec.TimeAsync(client, "minimal", cancellationToken));
            var (elapsed, output) = await context.Raw.RunAsync(BenchContext.Echo, cancellationToken);
            raw.Add(elapsed);
            if (output != "hello\n")
            {
                throw new InvalidOperationException($"raw runc printed '{output}'");
            }
        }

        context.RememberRawCreate(raw);
        return new RowResult(Row, Title)
        {
            Figures = [new Figure("cold_first_exec_p50", wrenn.P50, raw.P50, raw.Name)],
            Comparisons = [new Comparison("cold_first_exec", "create + first exec, pool off, vs runc run + netns", wrenn, raw)],
            Distributions = [wrenn, raw],
        };
    }
}
