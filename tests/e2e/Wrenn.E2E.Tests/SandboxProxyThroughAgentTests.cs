using System.Net;
using System.Text;
using System.Text.Json;

namespace Wrenn.E2E.Tests;

/// <summary>
/// The proxy with WRENN_PROXY_UPSTREAM=agent: every connection to a sandbox port is the real agent's
/// OpenPort stream, as it is for sandboxes on other hosts. In the platform collection: its own
/// platform must not prepare the shared image at the same time as the collection's.
/// </summary>
[Collection(OwnPlatformCollection.Name)]
public sealed class SandboxProxyThroughAgentTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_server_in_a_sandbox_is_reached_through_the_agent_and_a_closed_port_is_a_502()
    {
        await using var platform = await RunningPlatform.StartAsync(Token, environment: new Dictionary<string, string> { ["WRENN_PROXY_UPSTREAM"] = "agent" });
        var calls = new PlatformCalls(platform);
        var id = await calls.CreateSandboxAsync(new { });
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            await calls.ExecAsync(id, "mkdir -p /tmp/www && head -c 3000000 /dev/urandom | base64 -w 0 > /tmp/www/big.txt");
            var expected = await calls.ExecAsync(id, "sha256sum /tmp/www/big.txt | cut -d' ' -f1");
            await calls.ExecAsync(id, "nohup python3 -m http.server 8080 --directory /tmp/www >/dev/null 2>&1 &");

            var deadline = DateTime.UtcNow.AddSeconds(15);
            HttpStatusCode status;
            byte[] body;
            do
            {
                await Task.Delay(200, Token);
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(platform.ProxyUrl, "/big.txt"));
                request.Headers.Host = $"8080-{id}.{platform.ProxyDomain}";
                using var response = await http.SendAsync(request, Token);
                status = response.StatusCode;
                body = await response.Content.ReadAsByteArrayAsync(Token);
            }
            while (status == HttpStatusCode.BadGateway && DateTime.UtcNow < deadline);

            Assert.True(status == HttpStatusCode.OK, $"{(int)status}: {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(300, body.Length)))}\n{platform.Logs()}");
            Assert.Equal(expected.Trim(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)));

            using var closed = new HttpRequestMessage(HttpMethod.Get, new Uri(platform.ProxyUrl, "/"));
            closed.Headers.Add("E2b-Sandbox-Id", id);
            closed.Headers.Add("E2b-Sandbox-Port", "9999");
            using var refused = await http.SendAsync(closed, Token);
            Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
            Assert.Equal(9999, JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Token)).RootElement.GetProperty("port").GetInt32());
        }
        finally
        {
            await calls.DeleteSandboxQuietlyAsync(id);
        }
    }
}
