using System.Diagnostics;
using Wrenn.Bench.Baselines;
using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;

namespace Wrenn.Bench.Measurements;

/// <summary>
/// `exec true` on a running sandbox through the API, alternated with a local fork/exec of /bin/true. The
/// API runs a command given without arguments as a shell line (`bash -l -c`, E2B's way), so the program
/// row passes one argument (/bin/true ignores it) to have envd exec the program itself, as the baseline
/// does; the shell row compares `cmd: "true"` with a local `bash -l -c true`. Before this split the row
/// sent no arguments and so timed a login shell in the sandbox against a bare fork/exec here.
/// </summary>
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
            var wrenn = new Sample("wrenn: POST exec /bin/true (the program itself) on a running sandbox");
            var local = new Sample("raw: local fork/exec of /bin/true");
            var wrennShell = new Sample("wrenn: POST exec \"true\" (bash -l -c) on a running sandbox");
            var localShell = new Sample("raw: local fork/exec of bash -l -c true");
            for (var i = 0; i < context.Options.ExecRuns + WarmUp; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await client.ExecAsync(id, "/bin/true", ["ignored"], cancellationToken);
                var elapsed = Stopwatch.GetElapsedTime(started);
                var (forked, _) = await LocalForkExec.RunAsync("/bin/true", ["ignored"], cancellationToken);
                started = Stopwatch.GetTimestamp();
                await client.ExecAsync(id, "true", [], cancellationToken);
                var elapsedShell = Stopwatch.GetElapsedTime(started);
                var (forkedShell, _) = await LocalForkExec.RunAsync("/bin/bash", ["-l", "-c", "true"], cancellationToken);
                if (i >= WarmUp)
                {
                    wrenn.Add(elapsed);
                    local.Add(forked);
                    wrennShell.Add(elapsedShell);
                    localShell.Add(forkedShell);
                }
            }

            return new RowResult(Row, Title)
            {
                Figures = [new Figure("exec_true_p50", wrenn.P50, local.P50, local.Name)],
                Comparisons =
                [
                    new Comparison("exec_true", "exec /bin/true in a running sandbox vs local fork/exec", wrenn, local),
                    new Comparison("exec_true_shell", "exec \"true\" as a shell line (bash -l -c) vs local bash -l -c true", wrennShell, localShell),
                ],
                Distributions = [wrenn, local, wrennShell, localShell],
            };
        }
        finally
        {
            await client.DeleteSandboxAsync(id);
        }
    }
}
