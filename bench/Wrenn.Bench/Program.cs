using Wrenn.Bench;

// `make bench`: every goal of issue 16 measured against a raw baseline in this same run, printed beside
// the issue's own figures, written as JSON and a latency chart into --results. See docs/benchmarks.md.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

return await new BenchRunner(options, Console.Out).RunAsync(stop.Token);
