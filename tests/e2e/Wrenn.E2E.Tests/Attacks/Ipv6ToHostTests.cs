using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Wrenn.E2E.Tests.Attacks;

/// <summary>
/// Attack: the firewall is IPv4 only, so a sandbox that talks IPv6 to its gateway's link-local address
/// (fe80::…%eth0, derived from the MAC it sees) reaches every service the host listens for on [::].
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed partial class Ipv6ToHostTests(PlatformFixture fixture)
{
    private PlatformCalls Api => new(fixture.Platform);

    [Fact]
    public async Task A_sandbox_has_no_ipv6_and_cannot_reach_the_host_over_its_veths_link_local_address()
    {
        // A service on the host listening on every IPv6 address, as the control plane's default ":8000" does.
        using var hostService = new TcpListener(IPAddress.IPv6Any, 0);
        hostService.Start();
        var listenerPort = ((IPEndPoint)hostService.LocalEndpoint).Port;
        var agentPort = int.Parse(AgentListen().Match(fixture.Platform.Output).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var sandbox = await Api.CreateSandboxAsync(new { });
        try
        {
            var address = (await Api.ExecAsync(sandbox, "hostname -I")).Trim();
            var network = SandboxNamespace.Find(address);
            var hostLinkLocal = network.HostLinkLocalAddress();

            foreach (var (port, what) in new[]
                     {
                         (listenerPort, "a listener the test opened on [::]"),
                         (fixture.Platform.ApiUrl.Port, "the control plane's port"),
                         (agentPort, "the agent's port"),
                     })
            {
                var probe = await Api.PostAsync(
                    $"/v1/sandboxes/{sandbox}/exec",
                    new { cmd = $"python3 -c 'import socket; socket.create_connection((\"{hostLinkLocal}%eth0\", {port}), timeout=3); print(\"connected\")'" },
                    HttpStatusCode.OK);
                Assert.True(probe.GetProperty("exit_code").GetInt32() != 0, $"{what} on [{hostLinkLocal}%eth0]:{port} was reachable from the sandbox: {probe}");
            }

            Assert.False(hostService.Pending(), "the host's [::] listener got a connection from the sandbox");

            // No IPv6 address on any interface but loopback, not even after trying to turn it back on.
            await Api.PostAsync($"/v1/sandboxes/{sandbox}/exec", new { cmd = "echo 0 > /proc/sys/net/ipv6/conf/eth0/disable_ipv6; echo 0 > /proc/sys/net/ipv6/conf/all/disable_ipv6; sleep 1" }, HttpStatusCode.OK);
            var inet6 = await Api.ExecAsync(sandbox, "cat /proc/net/if_inet6 2>/dev/null || true");
            var outside = inet6.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => !line.TrimEnd().EndsWith(" lo", StringComparison.Ordinal)).ToList();
            Assert.True(outside.Count == 0, "the sandbox has IPv6 addresses:\n" + string.Join('\n', outside));

            // And the host end of its veth has none either.
            Assert.Equal("1", File.ReadAllText($"/proc/sys/net/ipv6/conf/{network.HostVeth}/disable_ipv6").Trim());

            // The probe's failure is the filter's doing: the same listener answers on the host.
            using var local = new TcpClient(AddressFamily.InterNetworkV6);
            await local.ConnectAsync(IPAddress.IPv6Loopback, listenerPort, TestContext.Current.CancellationToken);
        }
        finally
        {
            await Api.DeleteSandboxQuietlyAsync(sandbox);
        }
    }

    [GeneratedRegex(@"host agent: pid \d+, gRPC on [^,]*:(\d+),")]
    private static partial Regex AgentListen();
}
