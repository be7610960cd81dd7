using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.Proxy;

/// <summary>Sandboxes reached through their agent's OpenPort: the same answers as straight ones, byte for byte.</summary>
public sealed class AgentTunnelProxyTests : IAsyncLifetime
{
    private const string Sandbox = "sb-0123456789abcdef";

    private ProxyUnderTest _proxy = null!;
    private LoopbackUpstream _upstream = null!;
    private TunnelAgent _agent = null!;
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });

    public async ValueTask InitializeAsync()
    {
        _proxy = await ProxyUnderTest.StartAsync();
        _upstream = await LoopbackUpstream.StartAsync();
        _agent = await TunnelAgent.StartAsync();
        _proxy.Upstreams.Add(Sandbox, viaAgent: _agent.Host);
    }

    public async ValueTask DisposeAsync()
    {
        // The proxy first: its pooled tunnels are calls the agent would otherwise wait on while stopping.
        _http.Dispose();
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
        await _agent.DisposeAsync();
    }

    [Fact]
    public async Task Requests_go_through_the_agent_keeping_host_and_query()
    {
        var host = $"{_upstream.Port}-{Sandbox}.{ProxyUnderTest.Domain}";
        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_proxy.BaseUri, $"/hello?i={i}"));
            request.Headers.Host = host;
            using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"hello host={host} token= path=/hello?i={i}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        Assert.Contains((Sandbox, (uint)_upstream.Port), _agent.Agent.Opened);
        // Kept-alive: three requests, one tunnel.
        Assert.Single(_agent.Agent.Opened);
    }

    [Fact]
    public async Task Large_bodies_stream_through_the_agent_both_ways()
    {
        var host = $"{_upstream.Port}-{Sandbox}.{ProxyUnderTest.Domain}";
        var payload = RandomNumberGenerator.GetBytes(8 * 1024 * 1024);
        using var upload = new HttpRequestMessage(HttpMethod.Post, new Uri(_proxy.BaseUri, "/digest")) { Content = new ByteArrayContent(payload) };
        upload.Headers.Host = host;
        using var uploaded = await _http.SendAsync(upload, TestContext.Current.CancellationToken);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(payload)), await uploaded.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        using var download = new HttpRequestMessage(HttpMethod.Get, new Uri(_proxy.BaseUri, $"/bytes/{payload.Length}"));
        download.Headers.Host = host;
        using var downloaded = await _http.SendAsync(download, TestContext.Current.CancellationToken);
        Assert.Equal(payload.Length, (await downloaded.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Length);
    }

    [Fact]
    public async Task A_websocket_echoes_through_the_agent()
    {
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false });
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Host", $"{_upstream.Port}-{Sandbox}.{ProxyUnderTest.Domain}");
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{_proxy.Port}/ws"), invoker, TestContext.Current.CancellationToken);
        await socket.SendAsync(Encoding.UTF8.GetBytes("via the agent"), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);
        var buffer = new byte[1024];
        var received = await socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
        Assert.Equal("via the agent", Encoding.UTF8.GetString(buffer, 0, received.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_port_nobody_listens_on_behind_the_agent_is_a_502()
    {
        var closed = FreeTcpPort.OnLoopback();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_proxy.BaseUri, "/"));
        request.Headers.Host = $"{closed}-{Sandbox}.{ProxyUnderTest.Domain}";
        using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(closed, error.GetProperty("port").GetInt32());
    }
}
