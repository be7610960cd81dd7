using Microsoft.Extensions.Options;
using Wrenn.Agent.Metrics;

namespace Wrenn.Agent.Tests.Metrics;

public sealed class SandboxMetricsStoreTests
{
    [Fact]
    public void Forgets_sandboxes_that_are_gone()
    {
        var store = new SandboxMetricsStore(Options.Create(new MetricsSamplerOptions()));
        var at = new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
        store.Add("sb-kept", new MetricsSample(at, 1, TimeSpan.Zero, 1, 1, 1, 1));
        store.Add("sb-gone", new MetricsSample(at, 1, TimeSpan.Zero, 1, 1, 1, 1));

        store.Retain(new HashSet<string>(["sb-kept"], StringComparer.Ordinal));

        Assert.Single(store.Query("sb-kept", null, null));
        Assert.Empty(store.Query("sb-gone", null, null));
        Assert.Null(store.Latest("sb-gone"));
    }
}
