using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Envd;

namespace Wrenn.Agent.Tests.Envd;

/// <summary>
/// Waiting for envd's first /health gives up as soon as the sandbox is found dead, also when every probe hangs
/// (with the listening socket passed in, a probe of an envd that died waits in the socket's backlog for its whole
/// timeout): the create fails with "the sandbox stopped", not with a timeout long after.
/// </summary>
public sealed class EnvdHealthWaitTests
{
    [Fact]
    public async Task A_sandbox_that_died_is_reported_even_when_every_probe_hangs()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient(new NeverAnsweringHandler());
        var client = new EnvdClient(http, Microsoft.Extensions.Options.Options.Create(new EnvdClientOptions()), NullLogger<EnvdClient>.Instance);
        var looks = 0;

        // Before, the sandbox was looked at every 20 probes: 20 hanging probes (~20 s) outlast this timeout.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.WaitUntilHealthyAsync(
            new Uri("http://10.12.0.7:49983"),
            TimeSpan.FromSeconds(10),
            _ =>
            {
                looks++;
                return Task.FromResult(false);
            },
            ct));

        Assert.Contains("stopped", error.Message);
        Assert.Equal(1, looks);
    }
}
