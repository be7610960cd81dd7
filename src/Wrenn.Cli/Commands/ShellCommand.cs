using System.CommandLine;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Wrenn.Cli.Api;
using Wrenn.Cli.Output;
using Wrenn.Cli.Terminal;

namespace Wrenn.Cli.Commands;

/// <summary>
/// `wrenn sandbox shell ID`: an interactive login shell on a pseudo-terminal in the sandbox, over the
/// exec/stream WebSocket. The local terminal goes raw so every key (Ctrl-C too) reaches the remote
/// shell; window size changes follow; the exit code is the shell's.
/// </summary>
public static class ShellCommand
{
    // A shell lives as long as its user wants it; this is the API's longest exec timeout.
    private const int ShellTimeoutSec = 24 * 3600;

    public static Command Create(ApiOptions api)
    {
        var id = new Argument<string>("id") { Description = "Sandbox id" };
        var user = new Option<string?>("--user") { Description = "Unix user inside the sandbox (default user)" };
        var shell = new Option<string>("--shell") { Description = "Program to run", DefaultValueFactory = _ => "/bin/bash" };
        var command = new Command("shell", "Open an interactive shell in a sandbox (a pseudo-terminal; exit code is the shell's)") { id, user, shell };
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, async (client, json) =>
        {
            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("X-API-Key", client.Settings.ApiKey ?? throw new WrennApiException(0, "unauthorized", $"no API key: pass --api-key, set {ApiSettings.KeyVariable}, or run 'wrenn up'"));
            var address = new UriBuilder(new Uri(client.Settings.ApiUrl, $"/v1/sandboxes/{Uri.EscapeDataString(parse.GetValue(id)!)}/exec/stream"));
            address.Scheme = address.Scheme == "https" ? "wss" : "ws";
            try
            {
                await socket.ConnectAsync(address.Uri, ct).ConfigureAwait(false);
            }
            catch (WebSocketException ex)
            {
                // The server answered with an error envelope instead of upgrading: ask again over plain HTTP to show it.
                await client.SendAsync(HttpMethod.Get, $"/v1/sandboxes/{Uri.EscapeDataString(parse.GetValue(id)!)}", null, ApiCredential.ApiKey, ct).ConfigureAwait(false);
                throw new WrennApiException(0, "unreachable", $"cannot open a shell: {ex.Message}");
            }

            var (columns, rows) = WindowSize();
            var start = new JsonObject
            {
                ["cmd"] = parse.GetValue(shell),
                ["args"] = new JsonArray("-l"),
                ["timeout_sec"] = ShellTimeoutSec,
                ["pty"] = new JsonObject { ["cols"] = columns, ["rows"] = rows },
            };
            if (parse.GetValue(user) is { } name)
            {
                start["user"] = name;
            }

            await SendAsync(socket, start, ct).ConfigureAwait(false);
            using var raw = RawTerminal.Enter();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var sending = new SemaphoreSlim(1, 1);
            using var resize = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context =>
            {
                var (c, r) = WindowSize();
                _ = SendQuietlyAsync(socket, sending, new JsonObject { ["type"] = "resize", ["cols"] = c, ["rows"] = r }, stop.Token);
            });
            // Not awaited: a read of the terminal cannot be cancelled, and the process ends with the shell anyway.
            _ = ForwardKeysAsync(socket, sending, stop.Token);
            try
            {
                return await ReceiveAsync(socket, ct).ConfigureAwait(false);
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }
        }));
        return command;
    }

    private static async Task<int> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        await using var stdout = Console.OpenStandardOutput();
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WrennApiException(0, "host_unavailable", "the shell's stream ended without an exit");
            }

            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage)
            {
                continue;
            }

            var node = JsonNode.Parse(message.ToArray());
            message.SetLength(0);
            switch (node?["type"]?.GetValue<string>())
            {
                case "stdout" or "stderr":
                    var data = node["data"]!.GetValue<string>();
                    await stdout.WriteAsync(node["encoding"]?.GetValue<string>() == "base64" ? Convert.FromBase64String(data) : Encoding.UTF8.GetBytes(data), cancellationToken).ConfigureAwait(false);
                    await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case "exit":
                    return node["exit_code"]!.GetValue<int>();
                case "error":
                    throw new WrennApiException(0, JsonOutput.Text(node, "code"), JsonOutput.Text(node, "message"));
            }
        }
    }

    private static async Task ForwardKeysAsync(ClientWebSocket socket, SemaphoreSlim sending, CancellationToken cancellationToken)
    {
        try
        {
            // fd 0 itself, not Console.OpenStandardInput(): on a terminal that stream is .NET's line
            // editor, which waits for Enter and echoes what it reads, so every line showed twice (once
            // from it, once from the remote pty) and keys reached the shell a line late.
            await using var stdin = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(0, ownsHandle: false), FileAccess.Read, bufferSize: 0);
            var buffer = new byte[4096];
            while (await stdin.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) is var read and > 0)
            {
                await SendQuietlyAsync(socket, sending, new JsonObject { ["type"] = "stdin", ["data"] = Convert.ToBase64String(buffer, 0, read), ["encoding"] = "base64" }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            // The shell ended or the connection went: no one to type to.
        }
    }

    /// <summary>Keys and window sizes come from two places; a WebSocket takes one send at a time.</summary>
    private static async Task SendQuietlyAsync(ClientWebSocket socket, SemaphoreSlim sending, JsonObject message, CancellationToken cancellationToken)
    {
        try
        {
            await sending.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await SendAsync(socket, message, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                sending.Release();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The shell ended or the connection went.
        }
    }

    private static Task SendAsync(ClientWebSocket socket, JsonObject message, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    private static (int Columns, int Rows) WindowSize()
    {
        try
        {
            // A terminal that reports no size (a pty nobody sized, as `script` makes) gets the classic one.
            return Console.IsOutputRedirected || Console.WindowWidth <= 0 || Console.WindowHeight <= 0
                ? (80, 24)
                : (Math.Min(Console.WindowWidth, 1000), Math.Min(Console.WindowHeight, 1000));
        }
        catch (IOException)
        {
            return (80, 24);
        }
    }
}
