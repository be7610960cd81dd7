using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;

namespace Wrenn.Bench.Measurements;

/// <summary>A GET through the traffic proxy against the same GET straight to the sandbox (see <see cref="ProxyRoundTrip"/>).</summary>
public sealed class ProxyGet : IMeasurement
{
    public string Row => "proxy";

    public string Title => "GET through the sandbox traffic proxy vs straight to the sandbox";

    public PlatformKind Platform => PlatformKind.Cold;

    public async Task<RowResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var platform = await context.Platforms.GetAsync(Platform, cancellationToken);
        var comparison = await ProxyRoundTrip.RunAsync(platform, context.Options.ExecRuns * 5, cancellationToken);
        return new RowResult(Row, Title) { Comparisons = [comparison], Distributions = [comparison.Wrenn, comparison.Baseline] };
    }
}
