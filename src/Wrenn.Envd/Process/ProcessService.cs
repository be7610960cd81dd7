using System.Globalization;
using Microsoft.Extensions.Options;
using Wrenn.Envd.Connect;
using Wrenn.Envd.Hosting;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Envd.Process;

/// <summary>The process.Process Connect service.</summary>
public sealed class ProcessService(ProcessLauncher launcher, ProcessTable table, UserResolver users, IOptions<EnvdOptions> options)
{
    /// <summary>Clients ask for keepalive events this often (seconds) on long streams.</summary>
    public const string KeepaliveHeader = "Keepalive-Ping-Interval";

    public static void Map(RouteTable app, EnvdServices services)
    {
        ProcessService Service() => services.Processes;
        app.MapServerStreaming<StartRequest, StartResponse>("process.Process/Start", StartRequest.Parser, (r, c, s) => Service().StartAsync(r, c, s));
        app.MapServerStreaming<ConnectRequest, ConnectResponse>("process.Process/Connect", ConnectRequest.Parser, (r, c, s) => Service().ConnectAsync(r, c, s));
        app.MapUnary<ListRequest, ListResponse>("process.Process/List", ListRequest.Parser, (_, _) => Task.FromResult(Service().List()));
        app.MapUnary<SendInputRequest, SendInputResponse>("process.Process/SendInput", SendInputRequest.Parser, (r, c) => Service().SendInputAsync(r, c));
        app.MapClientStreaming<StreamInputRequest, StreamInputResponse>("process.Process/StreamInput", StreamInputRequest.Parser, (r, c) => Service().StreamInputAsync(r, c));
        app.MapUnary<CloseStdinRequest, CloseStdinResponse>("process.Process/CloseStdin", CloseStdinRequest.Parser, (r, _) => Task.FromResult(Service().CloseStdin(r)));
        app.MapUnary<SendSignalRequest, SendSignalResponse>("process.Process/SendSignal", SendSignalRequest.Parser, (r, _) => Task.FromResult(Service().SendSignal(r)));
        app.MapUnary<UpdateRequest, UpdateResponse>("process.Process/Update", UpdateRequest.Parser, (r, _) => Task.FromResult(Service().Update(r)));
    }

    /// <summary>
    /// Starts the process and streams start, data and end events. Connect-Timeout-Ms is the process's
    /// lifetime: when it passes the process group is killed, the end event still goes out, and the call
    /// ends with deadline_exceeded. When the client goes away the process keeps running.
    /// </summary>
    public async Task StartAsync(StartRequest request, ConnectCallContext call, ConnectServerStream<StartResponse> stream)
    {
        var user = users.Resolve(call.HttpContext);
        // Unset means true: older clients expect stdin open. A terminal always takes input.
        var keepStdin = !request.HasStdin || request.Stdin;
        var process = launcher.Start(request.Process ?? new ProcessConfig(), user, request.HasTag ? request.Tag : null, keepStdin, request.Pty);
        table.Add(process);
        using var subscription = process.Subscribe();
        process.Begin();

        using var lifetime = call.Timeout is { } timeout ? new CancellationTokenSource(timeout) : new CancellationTokenSource();
        using var killAtTimeout = lifetime.Token.Register(() => process.Signal(PosixSignals.SIGKILL));
        await StreamEventsAsync(process, subscription, call, e => new StartResponse { Event = e }, stream).ConfigureAwait(false);
        if (lifetime.IsCancellationRequested)
        {
            throw new ConnectException(ConnectCode.DeadlineExceeded, $"the process ran past the call's {call.Timeout!.Value.TotalMilliseconds:0} ms and was killed");
        }
    }

    /// <summary>Attaches to a running process: a start event with its pid, then its further output and its end.</summary>
    public Task ConnectAsync(ConnectRequest request, ConnectCallContext call, ConnectServerStream<ConnectResponse> stream)
    {
        var process = table.FindIncludingEnded(request.Process);
        var subscription = process.Subscribe();
        return StreamAndDisposeAsync();

        async Task StreamAndDisposeAsync()
        {
            using (subscription)
            {
                await StreamEventsAsync(process, subscription, call, e => new ConnectResponse { Event = e }, stream).ConfigureAwait(false);
            }
        }
    }

    public ListResponse List()
    {
        var response = new ListResponse();
        foreach (var process in table.All)
        {
            var info = new ProcessInfo { Config = process.Config, Pid = process.Pid };
            if (process.Tag is not null)
            {
                info.Tag = process.Tag;
            }

            response.Processes.Add(info);
        }

        return response;
    }

    public async Task<SendInputResponse> SendInputAsync(SendInputRequest request, ConnectCallContext call)
    {
        await WriteInputAsync(table.Find(request.Process), request.Input, call.Deadline).ConfigureAwait(false);
        return new SendInputResponse();
    }

    /// <summary>Input as a client stream: a start message selects the process, data messages follow in order.</summary>
    public async Task<StreamInputResponse> StreamInputAsync(IAsyncEnumerable<StreamInputRequest> requests, ConnectCallContext call)
    {
        RunningProcess? process = null;
        await foreach (var request in requests.ConfigureAwait(false))
        {
            switch (request.EventCase)
            {
                case StreamInputRequest.EventOneofCase.Start:
                    process = table.Find(request.Start.Process);
                    break;
                case StreamInputRequest.EventOneofCase.Data:
                    await WriteInputAsync(
                        process ?? throw new ConnectException(ConnectCode.FailedPrecondition, "send a start message naming the process before data"),
                        request.Data.Input,
                        call.Deadline).ConfigureAwait(false);
                    break;
            }
        }

        return new StreamInputResponse();
    }

    public CloseStdinResponse CloseStdin(CloseStdinRequest request)
    {
        var process = table.Find(request.Process);
        if (process.IsTerminal)
        {
            throw new ConnectException(ConnectCode.FailedPrecondition, "a PTY process has no separate stdin to close; send Ctrl-D (0x04) as input");
        }

        // Closing stdin that is closed or was never open is what the caller wanted already.
        process.CloseInput();
        return new CloseStdinResponse();
    }

    public SendSignalResponse SendSignal(SendSignalRequest request)
    {
        var process = table.Find(request.Process);
        var signal = request.Signal switch
        {
            Signal.Sigkill => PosixSignals.SIGKILL,
            Signal.Sigterm => PosixSignals.SIGTERM,
            _ => throw new ConnectException(ConnectCode.Unimplemented, $"invalid signal: {request.Signal}; use SIGTERM or SIGKILL"),
        };
        process.Signal(signal);
        return new SendSignalResponse();
    }

    public UpdateResponse Update(UpdateRequest request)
    {
        var process = table.Find(request.Process);
        if (request.Pty?.Size is { } size && !process.Resize((ushort)Math.Clamp(size.Cols, 1, ushort.MaxValue), (ushort)Math.Clamp(size.Rows, 1, ushort.MaxValue)))
        {
            throw new ConnectException(ConnectCode.FailedPrecondition, $"process {process.Pid} has no terminal to resize");
        }

        return new UpdateResponse();
    }

    private static async Task WriteInputAsync(RunningProcess process, ProcessInput? input, CancellationToken cancellationToken)
    {
        var data = input?.InputCase switch
        {
            ProcessInput.InputOneofCase.Stdin => input.Stdin,
            ProcessInput.InputOneofCase.Pty => input.Pty,
            _ => throw new ConnectException(ConnectCode.InvalidArgument, "input needs stdin or pty bytes"),
        };
        if (!await process.WriteInputAsync(data.Memory, cancellationToken).ConfigureAwait(false))
        {
            throw new ConnectException(ConnectCode.FailedPrecondition, $"process {process.Pid} does not take input (started without stdin, or stdin closed)");
        }
    }

    /// <summary>Sends the start event, the output as it comes (with keepalives in silences), then the end event.</summary>
    private async Task StreamEventsAsync<TResponse>(
        RunningProcess process,
        OutputBroadcast.Subscription subscription,
        ConnectCallContext call,
        Func<ProcessEvent, TResponse> wrap,
        ConnectServerStream<TResponse> stream)
        where TResponse : Google.Protobuf.IMessage<TResponse>
    {
        var client = call.ClientAborted;
        var keepalive = KeepaliveInterval(call.HttpContext.Request);
        await stream.WriteAsync(wrap(new ProcessEvent { Start = new ProcessEvent.Types.StartEvent { Pid = process.Pid } }), client).ConfigureAwait(false);
        var output = subscription.Reader;
        while (true)
        {
            using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(client))
            {
                quiet.CancelAfter(keepalive);
                try
                {
                    if (!await output.WaitToReadAsync(quiet.Token).ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException) when (!client.IsCancellationRequested)
                {
                    // Nothing to say for a while: tell the client (and proxies) the stream is alive.
                    await stream.WriteAsync(wrap(new ProcessEvent { Keepalive = new ProcessEvent.Types.KeepAlive() }), client).ConfigureAwait(false);
                    continue;
                }
            }

            while (output.TryRead(out var data))
            {
                await stream.WriteAsync(wrap(new ProcessEvent { Data = data }), client).ConfigureAwait(false);
            }
        }

        var exit = await process.Exited.ConfigureAwait(false);
        var end = new ProcessEvent.Types.EndEvent { ExitCode = exit.ExitCode, Exited = exit.Exited, Status = exit.Status };
        await stream.WriteAsync(wrap(new ProcessEvent { End = end }), client).ConfigureAwait(false);
    }

    private TimeSpan KeepaliveInterval(HttpRequest request)
    {
        var value = request.Headers[KeepaliveHeader].ToString();
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : options.Value.KeepaliveInterval;
    }
}
