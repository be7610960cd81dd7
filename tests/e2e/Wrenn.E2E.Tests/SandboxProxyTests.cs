using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Wrenn.E2E.Tests;

/// <summary>
/// Servers in a real sandbox reached through `wrenn up`'s traffic proxy: host-name routing, E2B's
/// headers, a WebSocket, envd's own port, a closed port, and a killed sandbox.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class SandboxProxyTests(PlatformFixture fixture) : IDisposable
{
    /// <summary>WebSockets keep their connection after the upgrade: the handler lives as long as the test.</summary>
    private readonly HttpMessageInvoker _webSockets = new(new SocketsHttpHandler { UseProxy = false });

    /// <summary>A WebSocket echo server on the Python standard library (the image has no websocket module).</summary>
    private const string WebSocketEcho = """
        import socket, hashlib, base64, threading
        def handle(c):
            data = b''
            while b'\r\n\r\n' not in data:
                data += c.recv(1024)
            key = [l.split(b':', 1)[1].strip() for l in data.split(b'\r\n') if l.lower().startswith(b'sec-websocket-key')][0]
            accept = base64.b64encode(hashlib.sha1(key + b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest())
            c.sendall(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ' + accept + b'\r\n\r\n')
            def read(n):
                b = b''
                while len(b) < n:
                    chunk = c.recv(n - len(b))
                    if not chunk:
                        raise EOFError
                    b += chunk
                return b
            while True:
                h = read(2)
                op, n = h[0] & 15, h[1] & 127
                if n == 126:
                    n = int.from_bytes(read(2), 'big')
                elif n == 127:
                    n = int.from_bytes(read(8), 'big')
                mask = read(4)
                payload = bytes(x ^ mask[i % 4] for i, x in enumerate(read(n)))
                if op == 8:
                    c.sendall(b'\x88\x00')
                    c.close()
                    return
                c.sendall(bytes([0x80 | op]) + (bytes([n]) if n < 126 else bytes([126]) + n.to_bytes(2, 'big')) + payload)
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('0.0.0.0', 8765))
        s.listen()
        while True:
            conn, _ = s.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()
        """;

    private RunningPlatform Platform => fixture.Platform;

    public void Dispose() => _webSockets.Dispose();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_server_in_a_sandbox_is_reached_by_host_name_and_by_headers_websockets_included()
    {
        var calls = new PlatformCalls(Platform);
        var id = await calls.CreateSandboxAsync(new { });
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            var script = Convert.ToBase64String(Encoding.UTF8.GetBytes(WebSocketEcho));
            await calls.ExecAsync(id, "mkdir -p /tmp/www && echo 'served from the sandbox' > /tmp/www/index.txt");
            await calls.ExecAsync(id, "nohup python3 -m http.server 8080 --directory /tmp/www >/dev/null 2>&1 &");
            await calls.ExecAsync(id, $"echo {script} | base64 -d > /tmp/ws.py && (nohup python3 /tmp/ws.py >/dev/null 2>&1 &)");

            var host = $"8080-{id}.{Platform.ProxyDomain}";
            var (status, body) = await WaitForAsync(http, host, "/index.txt");
            Assert.True(status == HttpStatusCode.OK, $"through the host name: {(int)status} {body}\n{Platform.Logs()}");
            Assert.Equal("served from the sandbox\n", body);

            using (var byHeaders = new HttpRequestMessage(HttpMethod.Get, new Uri(Platform.ProxyUrl, "/index.txt")))
            {
                byHeaders.Headers.Add("E2b-Sandbox-Id", id);
                byHeaders.Headers.Add("E2b-Sandbox-Port", "8080");
                using var answer = await http.SendAsync(byHeaders, Token);
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                Assert.Equal("served from the sandbox\n", await answer.Content.ReadAsStringAsync(Token));
            }

            // envd is a port like any other (its own endpoints for the host excepted).
            var (health, _) = await SendAsync(http, $"49983-{id}.{Platform.ProxyDomain}", "/health");
            Assert.True(health is HttpStatusCode.OK or HttpStatusCode.NoContent, $"envd /health through the proxy: {(int)health}");
            var (init, initBody) = await SendAsync(http, $"49983-{id}.{Platform.ProxyDomain}", "/init", HttpMethod.Post);
            Assert.Equal(HttpStatusCode.Forbidden, init);
            Assert.Equal(403, JsonDocument.Parse(initBody).RootElement.GetProperty("code").GetInt32());

            using var socket = await ConnectWebSocketAsync($"8765-{id}.{Platform.ProxyDomain}");
            foreach (var message in new[] { "hello", new string('x', 5000) })
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, Token);
                var buffer = new byte[8192];
                var received = new StringBuilder();
                WebSocketReceiveResult part;
                do
                {
                    part = await socket.ReceiveAsync(buffer, Token);
                    received.Append(Encoding.UTF8.GetString(buffer, 0, part.Count));
                }
                while (!part.EndOfMessage);
                Assert.Equal(message, received.ToString());
            }

            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, Token);
        }
        finally
        {
            await calls.DeleteSandboxQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task A_closed_port_is_a_502_and_a_killed_sandbox_stops_being_reachable()
    {
        var calls = new PlatformCalls(Platform);
        var id = await calls.CreateSandboxAsync(new { });
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            var (status, body) = await SendAsync(http, $"9999-{id}.{Platform.ProxyDomain}", "/");
            Assert.Equal(HttpStatusCode.BadGateway, status);
            var error = JsonDocument.Parse(body).RootElement;
            Assert.Equal(502, error.GetProperty("code").GetInt32());
            Assert.Equal(id, error.GetProperty("sandboxId").GetString());
            Assert.Equal(9999, error.GetProperty("port").GetInt32());

            var (envd, _) = await SendAsync(http, $"49983-{id}.{Platform.ProxyDomain}", "/health");
            Assert.True(envd is HttpStatusCode.OK or HttpStatusCode.NoContent, $"envd /health: {(int)envd}");
            await calls.DeleteAsync($"/v1/sandboxes/{id}", HttpStatusCode.NoContent);

            // Lookups are cached for two seconds; after that the sandbox is unknown.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            HttpStatusCode after;
            do
            {
                await Task.Delay(250, Token);
                (after, _) = await SendAsync(http, $"49983-{id}.{Platform.ProxyDomain}", "/health");
            }
            while (after != HttpStatusCode.BadGateway && DateTime.UtcNow < deadline);
            Assert.Equal(HttpStatusCode.BadGateway, after);
        }
        finally
        {
            await calls.DeleteSandboxQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task An_unknown_sandbox_is_a_502_in_json()
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var (status, body) = await SendAsync(http, $"8080-sb-0000000000000000.{Platform.ProxyDomain}", "/");
        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal("sb-0000000000000000", JsonDocument.Parse(body).RootElement.GetProperty("sandboxId").GetString());
    }

    /// <summary>Servers started in the background take a moment to listen: retries while the proxy says 502.</summary>
    private async Task<(HttpStatusCode Status, string Body)> WaitForAsync(HttpClient http, string host, string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var (status, body) = await SendAsync(http, host, path);
            if (status != HttpStatusCode.BadGateway || DateTime.UtcNow > deadline)
            {
                return (status, body);
            }

            await Task.Delay(200, Token);
        }
    }

    private async Task<ClientWebSocket> ConnectWebSocketAsync(string host)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Host", host);
            try
            {
                await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{Platform.ProxyPort}/"), _webSockets, Token);
                return socket;
            }
            catch (WebSocketException) when (DateTime.UtcNow < deadline)
            {
                socket.Dispose();
                await Task.Delay(200, Token);
            }
        }
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient http, string host, string path, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, new Uri(Platform.ProxyUrl, path));
        request.Headers.Host = host;
        using var response = await http.SendAsync(request, Token);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Token));
    }
}
