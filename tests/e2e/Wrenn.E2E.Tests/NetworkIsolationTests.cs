using System.Net;
using System.Net.Sockets;

namespace Wrenn.E2E.Tests;

/// <summary>Where a sandbox's packets may go: out through NAT yes; to the host, other sandboxes or link-local no.</summary>
[Collection(PlatformCollection.Name)]
public sealed class NetworkIsolationTests(PlatformFixture fixture)
{
    private PlatformCalls Api => new(fixture.Platform);

    [Fact]
    public async Task A_sandbox_reaches_the_outside_through_nat_but_not_the_host_nor_other_sandboxes()
    {
        await using var internet = await InternetNamespace.StartAsync("from-the-internet");
        using var hostService = new TcpListener(IPAddress.Any, 0);
        hostService.Start();
        var hostPort = ((IPEndPoint)hostService.LocalEndpoint).Port;
        var first = await Api.CreateSandboxAsync(new { });
        var second = await Api.CreateSandboxAsync(new { });
        try
        {
            // Out: the request arrives from the host's address (masqueraded), and the answer comes back.
            Assert.Equal("from-the-internet", await Api.ExecAsync(first, $"curl -s -m 10 http://{InternetNamespace.ServerAddress}:{InternetNamespace.ServerPort}/hello"));
            Assert.Contains(InternetNamespace.HostAddress + " - -", internet.ServerLog, StringComparison.Ordinal);
            Assert.DoesNotContain("10.12.", internet.ServerLog, StringComparison.Ordinal);

            var gateway = (await Api.ExecAsync(first, "python3 -c \"import socket,struct; print(next(socket.inet_ntoa(struct.pack('<L', int(l.split()[2], 16))) for l in open('/proc/net/route') if l.split()[1] == '00000000'))\"")).Trim();
            var secondAddress = (await Api.ExecAsync(second, "hostname -I")).Trim();
            Assert.Matches(@"^\d+\.\d+\.\d+\.\d+$", gateway);
            Assert.Matches(@"^\d+\.\d+\.\d+\.\d+$", secondAddress);

            // The host listens on every address; the sandbox may reach none of them, nor its neighbour's envd.
            foreach (var (address, port, what) in new[]
                     {
                         (gateway, hostPort, "the host through its own veth"),
                         (InternetNamespace.HostAddress, hostPort, "the host through another of its addresses"),
                         (secondAddress, 49983, "another sandbox's envd"),
                         ("169.254.169.254", 80, "the link-local metadata address"),
                     })
            {
                var probe = await Api.PostAsync(
                    $"/v1/sandboxes/{first}/exec",
                    new { cmd = $"timeout 3 bash -c 'echo > /dev/tcp/{address}/{port}'" },
                    HttpStatusCode.OK);
                Assert.True(probe.GetProperty("exit_code").GetInt32() != 0, $"{what} ({address}:{port}) was reachable: {probe}");
            }

            // The same host port answers from the host itself: the probe above failed because of the filter.
            using (var local = new TcpClient())
            {
                await local.ConnectAsync(IPAddress.Loopback, hostPort, TestContext.Current.CancellationToken);
            }

            // The agent still reaches envd in both sandboxes (host to sandbox is not filtered).
            Assert.Equal("ok\n", await Api.ExecAsync(second, "echo ok"));
        }
        finally
        {
            await Api.DeleteSandboxQuietlyAsync(first);
            await Api.DeleteSandboxQuietlyAsync(second);
        }
    }
}
