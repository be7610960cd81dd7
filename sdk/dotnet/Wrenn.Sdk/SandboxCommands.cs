using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace Wrenn.Sdk;

/// <summary><c>sandbox.Commands</c>: run commands to completion, streamed, or in the background.</summary>
public sealed class SandboxCommands
{
    private readonly WrennClient _client;
    private readonly string _sandboxId;

    internal SandboxCommands(WrennClient client, string sandboxId)
    {
        _client = client;
        _sandboxId = sandboxId;
    }

    /// <summary>Runs <paramref name="command"/> to completion and returns its output and exit code.</summary>
    public async Task<CommandResult> RunAsync(string command, CommandOptions? options = null, CancellationToken cancellationToken = default)
    {
        await using var handle = await StartAsync(command, options, cancellationToken).ConfigureAwait(false);
        return await handle.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="command"/> and yields its output as it comes, then its exit.</summary>
    public async IAsyncEnumerable<CommandOutput> StreamAsync(string command, CommandOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var handle = await StartAsync(command, options, cancellationToken).ConfigureAwait(false);
        await foreach (var output in handle.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return output;
        }
    }

    /// <summary>Starts <paramref name="command"/> in the background; the handle waits for it, feeds its stdin or kills it.</summary>
    public async Task<CommandHandle> StartAsync(string command, CommandOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new CommandOptions();
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-API-Key", _client.RequireApiKey());
        socket.Options.CollectHttpResponseDetails = true;
        var address = new UriBuilder(_client.Url($"/v1/sandboxes/{Uri.EscapeDataString(_sandboxId)}/exec/stream"));
        address.Scheme = address.Scheme == "https" ? "wss" : "ws";
        try
        {
            await socket.ConnectAsync(address.Uri, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException ex)
        {
            var status = (int)socket.HttpStatusCode;
            socket.Dispose();
            if (status < 400)
            {
                throw new WrennConnectionException("cannot open the command's stream: " + ex.Message, ex);
            }

            // The server answered with an error instead of upgrading (a WebSocket client cannot read its
            // body): the sandbox itself, asked over plain HTTP, says why in the server's words when it
            // is missing; otherwise the status says which error it was.
            await _client.SendJsonAsync(HttpMethod.Get, $"/v1/sandboxes/{Uri.EscapeDataString(_sandboxId)}", null, cancellationToken).ConfigureAwait(false);
            throw WrennApiException.For(status, status switch { 401 => "unauthorized", 404 => "not_found", 409 => "conflict", _ => "error" }, $"exec in sandbox {_sandboxId} refused with HTTP {status} (is it paused or stopped?)");
        }

        var start = new JsonObject { ["cmd"] = command };
        if (options.Args is { Count: > 0 } args)
        {
            start["args"] = new JsonArray([.. args.Select(a => (JsonNode?)a)]);
        }

        if (options.Env is { Count: > 0 } env)
        {
            start["env"] = new JsonObject(env.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        }

        if (options.Cwd is { } cwd)
        {
            start["cwd"] = cwd;
        }

        if (options.User is { } user)
        {
            start["user"] = user;
        }

        if (options.Timeout is { } timeout)
        {
            start["timeout_sec"] = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
        }

        if (options.Pty is { } pty)
        {
            start["pty"] = new JsonObject { ["cols"] = pty.Columns, ["rows"] = pty.Rows };
        }

        var handle = new CommandHandle(socket, options);
        await handle.SendAsync(start, cancellationToken).ConfigureAwait(false);
        if (options.Stdin is { } stdin)
        {
            await handle.SendStdinAsync(stdin, cancellationToken).ConfigureAwait(false);
            await handle.CloseStdinAsync(cancellationToken).ConfigureAwait(false);
        }

        return handle;
    }
}
