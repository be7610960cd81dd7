using System.Diagnostics;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Sandboxes;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// Commands in a sandbox: POST exec (collected), exec/stream over a WebSocket (output as it comes,
/// stdin, signals) or as NDJSON (POST with Accept: application/x-ndjson, output only).
/// </summary>
public static class SandboxExecApi
{
    public const string NdjsonMediaType = "application/x-ndjson";
    private const int MaxClientMessageBytes = 1024 * 1024;

    public static void MapSandboxExecApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/sandboxes").RequireAuthorization(AuthSchemes.SandboxPolicy).AddEndpointFilter<TeamScopeFilter>();
        group.MapPost("/{id}/exec", ExecAsync);
        group.MapPost("/{id}/exec/ticket", IssueTicketAsync);
        group.MapGet("/{id}/exec/stream", StreamOverWebSocketAsync);
        group.MapPost("/{id}/exec/stream", StreamAsNdjsonAsync);
    }

    private static async Task<IResult> ExecAsync(string id, HttpRequest request, ISandboxService sandboxes, IAgentGateway gateway, ISandboxActivity activity, Telemetry.RequestSteps steps)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var (body, bodyError) = await ReadStartAsync(request).ConfigureAwait(false);
        if (bodyError is not null)
        {
            return bodyError;
        }

        if (body!.Pty is not null)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "pty needs a stream: use exec/stream");
        }

        steps.Mark("body");
        var target = await sandboxes.OpenForWorkAsync(request.HttpContext.SandboxCaller(), id, cancellationToken).ConfigureAwait(false);
        if (!target.Succeeded)
        {
            return SandboxErrors.ToResult(target.Error);
        }

        steps.Mark("open");
        var started = Stopwatch.GetTimestamp();
        var executed = await gateway.ExecAsync(target.Value.Host, ToAgentRequest(id, body!), cancellationToken).ConfigureAwait(false);
        if (!executed.Succeeded)
        {
            return SandboxErrors.ToResult(executed.Error);
        }

        var reply = executed.Value;
        var elapsed = Stopwatch.GetElapsedTime(started);
        steps.Mark("agent");
        await activity.RecordAsync(id, CancellationToken.None).ConfigureAwait(false);
        steps.Mark("activity");
        var stdout = reply.Stdout.Span;
        var stderr = reply.Stderr.Span;
        var text = Utf8.IsValid(stdout) && Utf8.IsValid(stderr);
        var response = new ExecResponse(
            id,
            body!.Cmd!,
            text ? Encoding.UTF8.GetString(stdout) : Convert.ToBase64String(stdout),
            text ? Encoding.UTF8.GetString(stderr) : Convert.ToBase64String(stderr),
            reply.ExitCode,
            (long)elapsed.TotalMilliseconds,
            text ? "utf-8" : "base64");
        return ApiResults.Json(response, ControlPlaneJsonContext.Default.ExecResponse);
    }

    /// <summary>A one-time ticket for exec/stream of this sandbox, for clients (browsers) that cannot send headers on a WebSocket.</summary>
    private static async Task<IResult> IssueTicketAsync(string id, HttpContext http, ClaimsPrincipal caller, ISandboxService sandboxes, ExecTickets tickets)
    {
        var cancellationToken = http.RequestAborted;
        var sandbox = await sandboxes.GetAsync(http.SandboxCaller(), id, cancellationToken).ConfigureAwait(false);
        if (!sandbox.Succeeded)
        {
            return SandboxErrors.ToResult(sandbox.Error);
        }

        var (ticket, expires) = await tickets.IssueAsync(
            caller.TeamId(),
            id,
            caller.FindFirstValue(WrennClaims.ApiKeyId),
            caller.FindFirstValue("sub"),
            cancellationToken).ConfigureAwait(false);
        return ApiResults.Json(new ExecTicketResponse(ticket, expires), ControlPlaneJsonContext.Default.ExecTicketResponse, StatusCodes.Status201Created);
    }

    /// <summary>
    /// GET with a WebSocket upgrade. The client's first message is the command (as for exec); then it
    /// may send stdin, close_stdin and signal messages. Closing the socket kills the command.
    /// </summary>
    private static async Task StreamOverWebSocketAsync(string id, HttpContext http, ISandboxService sandboxes, IAgentGateway gateway, ISandboxActivity activity, IOptions<ControlPlaneOptions> options)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "exec/stream needs a WebSocket upgrade (or POST with Accept: application/x-ndjson)").ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        if (!WebSocketOrigin.IsAllowed(http.Request, options.Value.ExecAllowedOrigins))
        {
            await ApiResults.Error(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, $"origin {http.Request.Headers.Origin} may not open exec streams (WRENN_EXEC_ALLOWED_ORIGINS)").ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        var target = await sandboxes.OpenForWorkAsync(http.SandboxCaller(), id, http.RequestAborted).ConfigureAwait(false);
        if (!target.Succeeded)
        {
            await SandboxErrors.ToResult(target.Error).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        var cancellationToken = http.RequestAborted;
        var first = await ReceiveTextAsync(socket, cancellationToken).ConfigureAwait(false);
        ExecRequest? start = null;
        string? problem = first is null ? "the first message must be the command" : null;
        if (first is not null)
        {
            try
            {
                start = JsonSerializer.Deserialize(first, ControlPlaneJsonContext.Default.ExecRequest);
                problem = start is null ? "the first message must be a JSON object" : SandboxRequestRules.CheckExec(start);
            }
            catch (JsonException ex)
            {
                problem = "malformed JSON: " + ex.Message;
            }
        }

        if (problem is not null)
        {
            await SendAsync(socket, new ExecStreamEvent("error", Code: ErrorCodes.BadRequest, Message: problem), CancellationToken.None).ConfigureAwait(false);
            await CloseAsync(socket, WebSocketCloseStatus.InvalidPayloadData).ConfigureAwait(false);
            return;
        }

        using var call = gateway.OpenExecStream(target.Value.Host, start!.TimeoutSec ?? 0, cancellationToken);
        await call.RequestStream.WriteAsync(new Agent.ExecStreamRequest { Start = ToAgentRequest(id, start!) }, cancellationToken).ConfigureAwait(false);
        var forwarding = ForwardClientMessagesAsync(socket, call.RequestStream, cancellationToken);
        try
        {
            await RelayEventsAsync(call.ResponseStream, e => SendAsync(socket, e, cancellationToken), cancellationToken).ConfigureAwait(false);
            await CloseAsync(socket, WebSocketCloseStatus.NormalClosure).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            await SendErrorAsync(gateway.Describe(ex), e => SendAsync(socket, e, CancellationToken.None)).ConfigureAwait(false);
            await CloseAsync(socket, WebSocketCloseStatus.InternalServerError).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client left; cancelling the call makes the agent kill the command.
        }

        await forwarding.ConfigureAwait(false);
        await activity.RecordAsync(id, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>POST with a JSON command and Accept: application/x-ndjson: one event per line, as it comes.</summary>
    private static async Task StreamAsNdjsonAsync(string id, HttpContext http, ISandboxService sandboxes, IAgentGateway gateway, ISandboxActivity activity)
    {
        var (body, bodyError) = await ReadStartAsync(http.Request).ConfigureAwait(false);
        if (bodyError is not null)
        {
            await bodyError.ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        var target = await sandboxes.OpenForWorkAsync(http.SandboxCaller(), id, http.RequestAborted).ConfigureAwait(false);
        if (!target.Succeeded)
        {
            await SandboxErrors.ToResult(target.Error).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        var cancellationToken = http.RequestAborted;
        using var call = gateway.OpenExecStream(target.Value.Host, body!.TimeoutSec ?? 0, cancellationToken);
        http.Response.ContentType = NdjsonMediaType;
        http.Response.Headers.CacheControl = "no-store";
        async Task WriteLineAsync(ExecStreamEvent e)
        {
            await http.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(e, ControlPlaneJsonContext.Default.ExecStreamEvent), cancellationToken).ConfigureAwait(false);
            await http.Response.Body.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            await http.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await call.RequestStream.WriteAsync(new Agent.ExecStreamRequest { Start = ToAgentRequest(id, body!) }, cancellationToken).ConfigureAwait(false);
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            await RelayEventsAsync(call.ResponseStream, WriteLineAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (!http.Response.HasStarted)
        {
            await SandboxErrors.ToResult(gateway.Describe(ex)).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }
        catch (RpcException ex)
        {
            await SendErrorAsync(gateway.Describe(ex), WriteLineAsync).ConfigureAwait(false);
        }

        await activity.RecordAsync(id, CancellationToken.None).ConfigureAwait(false);
    }

    private static async Task RelayEventsAsync(IAsyncStreamReader<Agent.ExecStreamResponse> responses, Func<ExecStreamEvent, Task> send, CancellationToken cancellationToken)
    {
        var stdout = new Utf8ChunkDecoder();
        var stderr = new Utf8ChunkDecoder();
        while (await responses.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var response = responses.Current;
            switch (response.EventCase)
            {
                case Agent.ExecStreamResponse.EventOneofCase.Started:
                    await send(new ExecStreamEvent("started", Pid: response.Started.Pid)).ConfigureAwait(false);
                    break;
                case Agent.ExecStreamResponse.EventOneofCase.Stdout:
                    await send(Output("stdout", stdout.Decode(response.Stdout.Span))).ConfigureAwait(false);
                    break;
                case Agent.ExecStreamResponse.EventOneofCase.Stderr:
                    await send(Output("stderr", stderr.Decode(response.Stderr.Span))).ConfigureAwait(false);
                    break;
                case Agent.ExecStreamResponse.EventOneofCase.Exited:
                    foreach (var (type, decoder) in new[] { ("stdout", stdout), ("stderr", stderr) })
                    {
                        if (decoder.Flush() is { } rest)
                        {
                            await send(new ExecStreamEvent(type, Data: rest, Encoding: "base64")).ConfigureAwait(false);
                        }
                    }

                    var exited = response.Exited;
                    await send(new ExecStreamEvent("exit", ExitCode: exited.ExitCode, Status: exited.Status, TimedOut: exited.TimedOut)).ConfigureAwait(false);
                    break;
            }
        }
    }

    private static ExecStreamEvent Output(string type, (string Data, bool IsBase64) chunk) =>
        new(type, Data: chunk.Data, Encoding: chunk.IsBase64 ? "base64" : "utf-8");

    private static Task SendErrorAsync(SandboxError error, Func<ExecStreamEvent, Task> send) =>
        send(new ExecStreamEvent("error", Code: SandboxErrors.Describe(error.Kind).Code, Message: error.Message));

    private static async Task ForwardClientMessagesAsync(WebSocket socket, IClientStreamWriter<Agent.ExecStreamRequest> requests, CancellationToken cancellationToken)
    {
        try
        {
            while (await ReceiveTextAsync(socket, cancellationToken).ConfigureAwait(false) is { } text)
            {
                ExecStreamClientMessage? message;
                try
                {
                    message = JsonSerializer.Deserialize(text, ControlPlaneJsonContext.Default.ExecStreamClientMessage);
                }
                catch (JsonException)
                {
                    continue;
                }

                Agent.ExecStreamRequest? request = message?.Type switch
                {
                    "stdin" => new Agent.ExecStreamRequest
                    {
                        Stdin = Google.Protobuf.ByteString.CopyFrom(message.Encoding == "base64" ? Convert.FromBase64String(message.Data ?? string.Empty) : Encoding.UTF8.GetBytes(message.Data ?? string.Empty)),
                    },
                    "close_stdin" => new Agent.ExecStreamRequest { CloseStdin = true },
                    "signal" => new Agent.ExecStreamRequest { Signal = message.Signal == "SIGTERM" ? 15 : 9 },
                    "resize" when message.Cols is > 0 and <= 1000 && message.Rows is > 0 and <= 1000 =>
                        new Agent.ExecStreamRequest { Resize = new Agent.PtySize { Cols = (uint)message.Cols.Value, Rows = (uint)message.Rows.Value } },
                    _ => null,
                };
                if (request is not null)
                {
                    await requests.WriteAsync(request, cancellationToken).ConfigureAwait(false);
                }
            }

            await requests.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or RpcException or InvalidOperationException or FormatException)
        {
            // The command ended or the client left: nowhere to forward to.
        }
    }

    private static async Task<string?> ReceiveTextAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            message.Write(buffer, 0, result.Count);
            if (message.Length > MaxClientMessageBytes)
            {
                throw new WebSocketException("message too large");
            }

            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(message.ToArray());
            }
        }
    }

    private static Task SendAsync(WebSocket socket, ExecStreamEvent e, CancellationToken cancellationToken) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(e, ControlPlaneJsonContext.Default.ExecStreamEvent), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await socket.CloseAsync(status, null, budget.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }
    }

    private static async Task<(ExecRequest? Body, IResult? Error)> ReadStartAsync(HttpRequest request)
    {
        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.ExecRequest, new ExecRequest(null, null, null, null, null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return (null, error);
        }

        return SandboxRequestRules.CheckExec(body!) is { } broken
            ? (null, ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, broken))
            : (body, null);
    }

    private static Agent.ExecRequest ToAgentRequest(string sandboxId, ExecRequest body)
    {
        var request = new Agent.ExecRequest
        {
            SandboxId = sandboxId,
            Cmd = body.Cmd!,
            Cwd = body.Cwd ?? string.Empty,
            TimeoutSec = (uint)(body.TimeoutSec ?? 0),
            User = body.User ?? string.Empty,
        };
        request.Args.Add(body.Args ?? []);
        request.Env.Add(body.Env ?? []);
        if (body.Pty is { } pty)
        {
            request.Pty = new Agent.PtySize { Cols = (uint)pty.Cols, Rows = (uint)pty.Rows };
        }

        return request;
    }
}
