namespace Wrenn.E2E.Tests.Attacks;

/// <summary>
/// Attack: a sandbox sends packets with a source address that is not its own (another sandbox's, or an
/// outside one), which leave the host un-NATed: spoofed floods and reflection attacks from the host's
/// network. A VM guest owns its kernel and does this with a plain bind; the test does the same with
/// host root inside the sandbox's namespace (container root has no network capability there).
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class SpoofedSourceTests(PlatformFixture fixture)
{
    private PlatformCalls Api => new(fixture.Platform);

    [Fact]
    public async Task Packets_from_a_sandbox_with_a_source_that_is_not_its_own_do_not_leave_the_host()
    {
        await using var internet = await InternetNamespace.StartAsync("spoof-target");
        var sandbox = await Api.CreateSandboxAsync(new { });
        try
        {
            var address = (await Api.ExecAsync(sandbox, "hostname -I")).Trim();
            var network = SandboxNamespace.Find(address);

            // The honest datagram arrives, masqueraded behind the host's address.
            await Api.ExecAsync(sandbox, SendUdp(null, "honest"));

            // An outside address (TEST-NET-3) and one from the slot range (a neighbour's), bound as a
            // sandbox owning its network stack would.
            foreach (var (spoofed, label) in new[] { ("203.0.113.77", "spoofed-outside"), ("10.12.255.251", "spoofed-neighbour") })
            {
                network.Exec("ip", "addr", "add", spoofed + "/32", "dev", "eth0");
                network.Exec("python3", "-c", SendUdpProgram(spoofed, label));
            }

            await WaitForAsync(() => internet.ServerLog.Contains("honest", StringComparison.Ordinal));
            Assert.Contains($"udp {internet.Gateway} honest", internet.ServerLog, StringComparison.Ordinal);

            // Give the spoofed ones the same time to arrive, then make sure they did not.
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            Assert.DoesNotContain("spoofed", internet.ServerLog, StringComparison.Ordinal);

            // The sandbox's own traffic still flows after the spoof attempts.
            Assert.Equal("spoof-target", await Api.ExecAsync(sandbox, $"curl -s -m 10 http://{internet.Server}:{InternetNamespace.ServerPort}/hello"));
        }
        finally
        {
            await Api.DeleteSandboxQuietlyAsync(sandbox);
        }
    }

    private static string SendUdp(string? source, string payload) => $"python3 -c '{SendUdpProgram(source, payload)}'";

    private static string SendUdpProgram(string? source, string payload) =>
        "import socket\n"
        + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        + (source is null ? string.Empty : $"s.bind((\"{source}\", 0))\n")
        + $"s.sendto(b\"{payload}\", (\"{InternetNamespace.ServerAddress}\", {InternetNamespace.UdpPort}))\n";

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
