using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Wrenn.Sdk.Tests;

/// <summary>
/// A control plane on a loopback port for one sandbox (sb-0000000000000001): GET answers it, and its exec
/// WebSocket sends <c>events</c> once the start message came, recording every message the client sent.
/// </summary>
public sealed class FakeExecServer : IAsyncDisposable
{
    private const string Sandbox = """{"id": "sb-0000000000000001", "state": "running"}""";

    private readonly HttpListener _listener = new();
    private readonly string[] _events;
    private readonly Task _serving;

    public FakeExecServer(params string[] events)
    {
        _events = events;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
        probe.Stop();
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _serving = ServeAsync();
    }

    public string Url { get; }

    /// <summary>What the client sent over the WebSocket, in order.</summary>
    public List<string> Received { get; } = [];

    /// <summary>Set when the client's next message after the start arrived (the test then ends the command).</summary>
    public TaskCompletionSource SecondMessage { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When set, the server waits for a second message before sending the events.</summary>
    public bool WaitForSecondMessage { get; init; }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _serving.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or WebSocketException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            var context = await _listener.GetContextAsync().ConfigureAwait(false);
            if (!context.Request.IsWebSocketRequest)
            {
                var body = Encoding.UTF8.GetBytes(Sandbox);
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(body).ConfigureAwait(false);
                context.Response.Close();
                continue;
            }

            var socket = (await context.AcceptWebSocketAsync(null).ConfigureAwait(false)).WebSocket;
            Received.Add(await ReceiveAsync(socket).ConfigureAwait(false));
            if (WaitForSecondMessage)
            {
                Received.Add(await ReceiveAsync(socket).ConfigureAwait(false));
                SecondMessage.TrySetResult();
            }

            foreach (var message in _events)
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static async Task<string> ReceiveAsync(WebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult received;
        do
        {
            received = await socket.ReceiveAsync(buffer, CancellationToken.None).ConfigureAwait(false);
            message.Write(buffer, 0, received.Count);
        }
        while (!received.EndOfMessage);
        return Encoding.UTF8.GetString(message.ToArray());
    }
}
