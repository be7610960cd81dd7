using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>
/// A server "in a sandbox" on a loopback port: /hello says which Host and headers it got, /digest hashes
/// the body, /bytes/N sends N bytes, /slow sends one chunk and waits for <see cref="Release"/>, /ws echoes
/// WebSocket messages.
/// </summary>
public sealed class LoopbackUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LoopbackUpstream(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<LoopbackUpstream> StartAsync()
    {
        var port = FreeTcpPort.OnLoopback();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        var app = builder.Build();
        var upstream = new LoopbackUpstream(app, port);
        app.UseWebSockets();
        app.MapGet("/hello", (HttpContext http) =>
            $"hello host={http.Request.Host} token={http.Request.Headers["e2b-traffic-access-token"]} path={http.Request.Path}{http.Request.QueryString}");
        app.MapPost("/digest", async (HttpContext http) =>
        {
            using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            int read;
            while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
            {
                sha.AppendData(buffer, 0, read);
            }

            return Convert.ToHexStringLower(sha.GetHashAndReset());
        });
        app.MapGet("/bytes/{count:long}", async (HttpContext http, long count) =>
        {
            http.Response.ContentType = "application/octet-stream";
            var block = new byte[65536];
            for (long sent = 0; sent < count; sent += block.Length)
            {
                block.AsSpan().Fill((byte)(sent / block.Length));
                await http.Response.Body.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, count - sent)), http.RequestAborted);
            }
        });
        app.MapGet("/slow", async (HttpContext http) =>
        {
            await http.Response.WriteAsync("first\n", http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
            await upstream._release.Task.WaitAsync(http.RequestAborted);
            await http.Response.WriteAsync("second\n", http.RequestAborted);
        });
        app.Map("/ws", async (HttpContext http) =>
        {
            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, http.RequestAborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, http.RequestAborted);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, http.RequestAborted);
            }
        });
        await app.StartAsync();
        return upstream;
    }

    public void Release() => _release.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
