using System.Diagnostics;
using Wrenn.Bench.Baselines;
using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;

namespace Wrenn.Bench.Measurements;

/// <summary>`exec true` on a running sandbox through the API, alternated with a local fork/exec of /bin/true.</summary>
public sealed class ExecTrue : IMeasurement
{
    private const int WarmUp = 5;

    public string Row => "exec-true";

    public string Title => "`exec true` round trip through the API";

    public PlatformKind Platform => PlatformKind.Cold;

    public async Task<RowResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var platform = await context.Platforms.GetAsync(Platform, cancellationToken);
        var client = new SandboxClient(platform.Http);
        var id = await client.CreateAsync("minimal", cancellationToken);
        try
        {
            var wrenn = new Sample("wrenn: POST exec /bin/true on a running sandbox");
            var local = new Sample("raw: local fork/exec of /bin/true");
            for (var i = 0; i < context.Options.ExecRuns + WarmUp; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await client.ExecAsync(id, "/bin/true", [], cancellationToken);
                var elapsed = Stopwatch.GetElapsedTime(started);
                var (forked, _) = await LocalForkExec.RunAsync("/bin/true", [], cancellationToken);
                if (i >= WarmUp)
                {
                    wrenn.Add(elapsed);
                    local.Add(forked);
                }
            }

            return new RowResult(Row, Title)
            {
                Figures = [new Figure("exec_true_p50", wrenn.P50, local.P50, local.Name)],
                Comparisons = [new Comparison("exec_true", "exec /bin/true in a running sandbox vs local fork/exec", wrenn, local)],
                Distributions = [wrenn, local],
            };
        }
        finally
        {
            await client.DeleteSandboxAsync(id);
        }
    }
}
