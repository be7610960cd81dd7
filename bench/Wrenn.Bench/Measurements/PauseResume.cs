using Wrenn.Bench.Baselines;
using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;

namespace Wrenn.Bench.Measurements;

/// <summary>
/// Pause and resume through the API, alternated with the OCI runtime's own pause and resume of the same container
/// (runc's, or crun's as the agent runs it: <see cref="ContainerOci"/>).
/// </summary>
public sealed class PauseResume : IMeasurement
{
    private const int WarmUp = 2;

    public string Row => "pause-resume";

    public string Title => "pause / resume (container) through the API";

    public PlatformKind Platform => PlatformKind.Cold;

    public async Task<RowResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var platform = await context.Platforms.GetAsync(Platform, cancellationToken);
        var client = new SandboxClient(platform.Http);
        var id = await client.CreateAsync("minimal", cancellationToken);
        try
        {
            var pause = new Sample("wrenn: POST pause");
            var resume = new Sample("wrenn: POST resume");
            var oci = ContainerOci.Of("wrenn-" + id);
            var rawPause = new Sample($"raw: {oci.Name} pause of the same container");
            var rawResume = new Sample($"raw: {oci.Name} resume of the same container");
            for (var i = 0; i < context.Options.Runs + WarmUp; i++)
            {
                var paused = await client.TimedPostAsync($"/v1/sandboxes/{id}/pause", cancellationToken);
                var resumed = await client.TimedPostAsync($"/v1/sandboxes/{id}/resume", cancellationToken);
                var rawPaused = await TimedOciAsync(oci, "pause", id, cancellationToken);
                var rawResumed = await TimedOciAsync(oci, "resume", id, cancellationToken);
                if (i >= WarmUp)
                {
                    pause.Add(paused);
                    resume.Add(resumed);
                    rawPause.Add(rawPaused);
                    rawResume.Add(rawResumed);
                }
            }

            await client.EchoHelloAsync(id, cancellationToken);
            return new RowResult(Row, Title)
            {
                Figures =
                [
                    new Figure("pause_p50", pause.P50, rawPause.P50, rawPause.Name),
                    new Figure("resume_p50", resume.P50, rawResume.P50, rawResume.Name),
                ],
                Comparisons =
                [
                    new Comparison("pause", $"pause a running sandbox vs {oci.Name} pause", pause, rawPause),
                    new Comparison("resume", $"resume a paused sandbox vs {oci.Name} resume", resume, rawResume),
                ],
                Distributions = [pause, resume, rawPause, rawResume],
            };
        }
        finally
        {
            await client.DeleteSandboxAsync(id);
        }
    }

    /// <summary>The runtime's own pause or resume of the sandbox's container (Wrenn names it wrenn-{id}); fails if the runtime does.</summary>
    private static async Task<TimeSpan> TimedOciAsync(ContainerOci oci, string verb, string id, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await oci.RunAsync([verb, "wrenn-" + id], cancellationToken);
        return System.Diagnostics.Stopwatch.GetElapsedTime(started);
    }
}
