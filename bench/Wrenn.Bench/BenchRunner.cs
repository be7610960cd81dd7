using Wrenn.Bench.Measurements;
using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;

namespace Wrenn.Bench;

/// <summary>Runs the selected measurements grouped by the platform they need, then reports.</summary>
public sealed class BenchRunner(BenchOptions options, TextWriter output)
{
    /// <summary>Every row, in the order they run: grouped by platform, the cold step table right after the cold creates.</summary>
    public static IReadOnlyList<IMeasurement> All { get; } =
    [
        new EnvdStartup(),
        new EnvdExec(),
        new ColdFirstExec(),
        new ColdSteps(),
        new ExecTrue(),
        new PauseResume(),
        new IdleCost(),
        new TemplateCreate(),
        new ProxyGet(),
        new WarmCreate(withExec: false),
        new WarmCreate(withExec: true),
        new ConcurrentCreates(),
        new QemuTemplate(),
    ];

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (options.List)
        {
            foreach (var measurement in All)
            {
                output.WriteLine($"{measurement.Row,-16} {measurement.Title}");
            }

            return 0;
        }

        var unknown = options.Only.Where(row => All.All(m => m.Row != row)).ToList();
        if (unknown.Count > 0)
        {
            await Console.Error.WriteLineAsync($"unknown row(s) {string.Join(", ", unknown)}; rows: {string.Join(", ", All.Select(m => m.Row))}");
            return 2;
        }

        // The cold platform must be cold whatever the caller's environment says; the warm one sets its own.
        Environment.SetEnvironmentVariable("WRENN_WARM_POOL", null);
        var measuredAt = DateTimeOffset.UtcNow;
        var work = Directory.CreateTempSubdirectory("wrenn-bench-");
        var results = new List<RowResult>();
        var failed = false;
        var stem = Path.Combine(options.ResultsDirectory, $"issue16-{measuredAt:yyyyMMdd-HHmmss}");
        var platforms = new PlatformHost(options, stem + "-logs");
        try
        {
            var context = new BenchContext(options, platforms, work.FullName);
            foreach (var measurement in All.Where(m => options.Includes(m.Row)))
            {
                output.WriteLine($"-- {measurement.Row}: {measurement.Title}");
                try
                {
                    var result = await measurement.RunAsync(context, cancellationToken);
                    results.Add(result);
                    if (result.Skipped is not null)
                    {
                        output.WriteLine($"   {result.Skipped}");
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // One broken row must not cost the others' figures; the run still fails at the end.
                    failed = true;
                    output.WriteLine($"   FAILED: {ex}");
                    results.Add(RowResult.Skip(measurement.Row, measurement.Title, "failed: " + ex.Message.Split('\n')[0]));
                }
            }
        }
        finally
        {
            await platforms.DisposeAsync();
            work.Delete(recursive: true);
        }

        foreach (var failure in platforms.StopFailures)
        {
            failed = true;
            results.Add(RowResult.Skip("platform", "platform stop", failure));
        }

        ConsoleReport.Print(results, output);
        Directory.CreateDirectory(options.ResultsDirectory);
        var json = await JsonReport.WriteAsync(JsonReport.Build(options, results, measuredAt), stem + ".json", cancellationToken);
        output.WriteLine();
        output.WriteLine($"results: {json}");
        var chart = LatencyChart.Save(results.SelectMany(r => r.Distributions), stem + ".png", $"Wrenn latency distributions, {measuredAt:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} CPUs");
        if (chart is not null)
        {
            output.WriteLine($"chart:   {chart}");
        }

        if (Directory.Exists(stem + "-logs"))
        {
            output.WriteLine($"logs:    {stem}-logs (each platform's control plane and agent)");
        }

        return failed ? 1 : 0;
    }
}
