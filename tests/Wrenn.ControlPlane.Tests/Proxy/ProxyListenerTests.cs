using System.Net;
using System.Text.Json;
using Wrenn.ControlPlane.Proxy;

namespace Wrenn.ControlPlane.Tests.Proxy;

/// <summary>The proxy inside a real control plane: its own port, never the API's, and settings checked at start.</summary>
public sealed class ProxyListenerTests
{
    [Fact]
    public async Task The_proxy_port_never_serves_the_api_and_the_api_port_never_proxies()
    {
        var proxyPort = FreeTcpPort.OnLoopback();
        await using var plane = await RunningControlPlane.StartAsync(configure: o => o.Proxy = new SandboxProxyOptions { ListenAddress = $"127.0.0.1:{proxyPort}", Domain = "sandbox.test" });
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });

        using var apiThroughProxy = await http.GetAsync(new Uri($"http://127.0.0.1:{proxyPort}/health"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, apiThroughProxy.StatusCode);
        Assert.Equal(400, JsonDocument.Parse(await apiThroughProxy.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("code").GetInt32());

        using var sandboxHostOnApi = new HttpRequestMessage(HttpMethod.Get, new Uri(plane.BaseUri, "/openapi.yaml"));
        sandboxHostOnApi.Headers.Host = "8080-sb-0123456789abcdef.sandbox.test";
        using var answered = await http.SendAsync(sandboxHostOnApi, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.StartsWith("openapi:", await answered.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);

        // The real lookup: the database knows no such sandbox.
        using var unknown = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{proxyPort}/"));
        unknown.Headers.Host = "8080-sb-0123456789abcdef.sandbox.test";
        using var missing = await http.SendAsync(unknown, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadGateway, missing.StatusCode);
        var error = JsonDocument.Parse(await missing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("sb-0123456789abcdef", error.GetProperty("sandboxId").GetString());
    }

    [Theory]
    [InlineData("127.0.0.1:1", null, null, "sandbox.test")]
    [InlineData("127.0.0.1:0", null, null, "sandbox.test")]
    [InlineData("nonsense", null, null, "sandbox.test")]
    [InlineData("127.0.0.1:2", "/nonexistent/cert.pem", null, "sandbox.test")]
    [InlineData("127.0.0.1:2", "/nonexistent/cert.pem", "/nonexistent/key.pem", "sandbox.test")]
    [InlineData("127.0.0.1:2", null, null, "not a domain!")]
    public async Task Settings_that_cannot_work_stop_the_start(string listen, string? cert, string? key, string domain)
    {
        var wrennDir = Directory.CreateTempSubdirectory("wrenn-proxy-options-").FullName;
        try
        {
            var options = new ControlPlaneOptions
            {
                WrennDir = wrennDir,
                ListenAddress = "127.0.0.1:1",
                Proxy = new SandboxProxyOptions { ListenAddress = listen, TlsCertPath = cert, TlsKeyPath = key, Domain = domain },
            };
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            Assert.Equal(1, await ControlPlaneHost.RunAsync(options, timeout.Token));
        }
        finally
        {
            Directory.Delete(wrennDir, recursive: true);
        }
    }

    [Theory]
    [InlineData("sandbox.example.com", "sandbox.example.com")]
    [InlineData("localhost:8001", "localhost")]
    [InlineData("Sandbox.Example.com.", "sandbox.example.com")]
    public void The_domain_is_compared_without_port_case_or_final_dot(string domain, string host) =>
        Assert.Equal(host, new SandboxProxyOptions { Domain = domain }.DomainHost);
}
