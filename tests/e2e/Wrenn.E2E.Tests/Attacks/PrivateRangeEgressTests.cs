using System.Net;
using System.Net.Sockets;

namespace Wrenn.E2E.Tests.Attacks;

/// <summary>
/// Attack: a sandbox reaches the operator's internal network (RFC 1918, 100.64.0.0/10) through the
/// host's NAT. Private ranges are closed unless WRENN_SANDBOX_EGRESS_ALLOW opens them. The "internal
/// network" is a namespace the test makes on 10.213.77.0/24; nothing else on a private range is touched.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class PrivateRangeEgressTests(PlatformFixture fixture)
{
    private const string InternalPrefix = "10.213.77";

    [Fact]
    public async Task A_private_range_is_closed_by_default_and_open_when_listed_in_the_egress_allow_list()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var office = await InternetNamespace.StartAsync("internal-service", InternalPrefix);
        var url = $"http://{office.Server}:{InternetNamespace.ServerPort}/hello";

        var closed = new PlatformCalls(fixture.Platform);
        var sandbox = await closed.CreateSandboxAsync(new { });
        try
        {
            var probe = await closed.PostAsync($"/v1/sandboxes/{sandbox}/exec", new { cmd = $"curl -s -m 3 {url}" }, HttpStatusCode.OK);
            Assert.True(probe.GetProperty("exit_code").GetInt32() != 0, $"the private range {InternalPrefix}.0/24 was reachable by default: {probe}");
            Assert.DoesNotContain("GET /hello", office.ServerLog, StringComparison.Ordinal);
        }
        finally
        {
            await closed.DeleteSandboxQuietlyAsync(sandbox);
        }

        await using var allowing = await RunningPlatform.StartAsync(ct, environment: new Dictionary<string, string>
        {
            ["WRENN_SANDBOX_EGRESS_ALLOW"] = $"{InternalPrefix}.0/24",
        });
        var open = new PlatformCalls(allowing);
        var allowed = await open.CreateSandboxAsync(new { });
        try
        {
            Assert.Equal("internal-service", await open.ExecAsync(allowed, $"curl -s -m 10 {url}"));

            // Allowing a range does not open the host's own address on it.
            using var hostService = new TcpListener(IPAddress.Any, 0);
            hostService.Start();
            var hostPort = ((IPEndPoint)hostService.LocalEndpoint).Port;
            var probe = await open.PostAsync($"/v1/sandboxes/{allowed}/exec", new { cmd = $"timeout 3 bash -c 'echo > /dev/tcp/{office.Gateway}/{hostPort}'" }, HttpStatusCode.OK);
            Assert.True(probe.GetProperty("exit_code").GetInt32() != 0, $"the host's own address on the allowed range was reachable: {probe}");
        }
        finally
        {
            await open.DeleteSandboxQuietlyAsync(allowed);
        }
    }

    [Fact]
    public async Task An_egress_allow_list_that_does_not_parse_stops_the_agent_at_start()
    {
        // "10.1.2.3/8" would be masked to all of 10/8 by a lenient parser: refused, not guessed.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RunningPlatform.StartAsync(
            TestContext.Current.CancellationToken,
            environment: new Dictionary<string, string> { ["WRENN_SANDBOX_EGRESS_ALLOW"] = "10.1.2.3/8" }));

        Assert.Contains("WRENN_SANDBOX_EGRESS_ALLOW", error.Message, StringComparison.Ordinal);
    }
}
