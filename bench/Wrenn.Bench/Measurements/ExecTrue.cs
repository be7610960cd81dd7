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
/// <para>
/// The goal figure is the platform's steady state: the first <see cref="SteadyAfter"/> calls are not
/// counted. On this kind of 2-core machine the control plane and the agent recompile their hot code
/// (tiered JIT: ReadyToRun code, then instrumented, then optimised with the profile) for about the first
/// thousand calls after a start, and a call among them takes twice as long; a platform serving traffic
/// is past that within seconds. The first <see cref="FirstCalls"/> calls are reported beside it, not hidden.
/// </para>
/// </summary>
public sealed class ExecTrue : IMeasurement
{
    /// <summary>Calls made before the ones counted: enough for the tiered JIT to have settled (see above).</summary>
    private const int SteadyAfter = 1000;

    /// <summary>The row's first calls, reported as their own figure.</summary>
    private const int FirstCalls = 100;

    /// <summary>Warm-up of the shell loop, which runs after the program loop (the platform is warm by then).</summary>
    private const int ShellWarmUp = 5;

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
            var first = new Sample($"wrenn: POST exec /bin/true, the row's first {FirstCalls} calls (hot code not yet recompiled)");
            var wrenn = new Sample("wrenn: POST exec /bin/true (the program itself) on a running sandbox");
            var local = new Sample("raw: local fork/exec of /bin/true");
            var wrennShell = new Sample("wrenn: POST exec \"true\" (bash -l -c) on a running sandbox");
            var localShell = new Sample("raw: local fork/exec of bash -l -c true");
            // The two comparisons run one after the other, not interleaved: a local `bash -l -c true` takes
            // ~0.6 s of both cores here, and a program exec timed right after one started on idle threads
            // and cold caches in every process on the path, which the baseline beside it never did.
            for (var i = 0; i < SteadyAfter + context.Options.ExecRuns; i++)
            {
                var (elapsed, forked) = await TimePairAsync("/bin/true", ["ignored"], "/bin/true", ["ignored"]);
                if (i < FirstCalls)
                {
                    first.Add(elapsed);
                }

                if (i >= SteadyAfter)
                {
                    wrenn.Add(elapsed);
                    local.Add(forked);
                }
            }

            for (var i = 0; i < ShellWarmUp + context.Options.ExecRuns; i++)
            {
                var (elapsed, forked) = await TimePairAsync("true", [], "/bin/bash", ["-l", "-c", "true"]);
                if (i >= ShellWarmUp)
                {
                    wrennShell.Add(elapsed);
                    localShell.Add(forked);
                }
            }

            return new RowResult(Row, Title)
            {
                Figures = [new Figure("exec_true_p50", wrenn.P50, local.P50, local.Name, Note: $"after {SteadyAfter} calls; the row's first {FirstCalls}: p50 {first.P50:F1} ms")],
                Comparisons =
                [
                    new Comparison("exec_true", "exec /bin/true in a running sandbox vs local fork/exec", wrenn, local),
                    new Comparison("exec_true_shell", "exec \"true\" as a shell line (bash -l -c) vs local bash -l -c true", wrennShell, localShell),
                ],
                Distributions = [wrenn, local, first, wrennShell, localShell],
            };
        }
        finally
        {
            await client.DeleteSandboxAsync(id);
        }

        // One call through the API, timed, and its baseline run here right after it, timed.
        async Task<(TimeSpan Wrenn, TimeSpan Local)> TimePairAsync(string cmd, string[] args, string program, string[] programArguments)
        {
            var started = Stopwatch.GetTimestamp();
            await client.ExecAsync(id, cmd, args, cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var (forked, _) = await LocalForkExec.RunAsync(program, programArguments, cancellationToken);
            return (elapsed, forked);
        }
    }
}
