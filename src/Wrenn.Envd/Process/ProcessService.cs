using Microsoft.Extensions.Options;
using Wrenn.Envd.Connect;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Envd.Process;

/// <summary>The process.Process Connect service (Start and List in this cut).</summary>
public sealed class ProcessService(ProcessLauncher launcher, ProcessTable table, UserResolver users, IOptions<EnvdOptions> options)
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapServerStreaming<StartRequest, StartResponse>(
            "process.Process/Start",
            StartRequest.Parser,
            (request, call, stream) => app.ServiceProvider.GetRequiredService<ProcessService>().StartAsync(request, call, stream));
        app.MapUnary<ListRequest, ListResponse>(
            "process.Process/List",
            ListRequest.Parser,
            (request, _) => Task.FromResult(app.ServiceProvider.GetRequiredService<ProcessService>().List()));
    }

    /// <summary>
    /// Starts the process and streams start, data and end events. Connect-Timeout-Ms is the process's
    /// lifetime: when it passes the process group is killed, the end event still goes out, and the call
    /// ends with deadline_exceeded. When the client goes away the process keeps running.
    /// </summary>
    public async Task StartAsync(StartRequest request, ConnectCallContext call, ConnectServerStream<StartResponse> stream)
    {
        if (request.Pty is not null)
        {
            throw new ConnectException(ConnectCode.Unimplemented, "PTY processes are not supported by this envd yet");
        }

        var user = users.Resolve(call.HttpContext);
        // Unset means true: older clients expect stdin open.
        var keepStdin = !request.HasStdin || request.Stdin;
        var process = launcher.Start(request.Process ?? new ProcessConfig(), user, request.HasTag ? request.Tag : null, keepStdin);
        table.Add(process);

        using var lifetime = call.Timeout is { } timeout ? new CancellationTokenSource(timeout) : new CancellationTokenSource();
        using var killAtTimeout = lifetime.Token.Register(() => process.Signal(PosixSignals.SIGKILL));
        var client = call.ClientAborted;
        try
        {
            await stream.WriteAsync(Event(new ProcessEvent { Start = new ProcessEvent.Types.StartEvent { Pid = process.Pid } }), client).ConfigureAwait(false);
            await StreamOutputAsync(process, stream, client).ConfigureAwait(false);
            var exit = await process.Exited.ConfigureAwait(false);
            var end = new ProcessEvent.Types.EndEvent { ExitCode = exit.ExitCode, Exited = exit.Exited, Status = exit.Status };
            await stream.WriteAsync(Event(new ProcessEvent { End = end }), client).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (client.IsCancellationRequested)
        {
            process.Detach();
            throw;
        }

        if (lifetime.IsCancellationRequested)
        {
            throw new ConnectException(ConnectCode.DeadlineExceeded, $"the process ran past the call's {call.Timeout!.Value.TotalMilliseconds:0} ms and was killed");
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

    private async Task StreamOutputAsync(RunningProcess process, ConnectServerStream<StartResponse> stream, CancellationToken client)
    {
        var output = process.Output;
        while (true)
        {
            using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(client))
            {
                quiet.CancelAfter(options.Value.KeepaliveInterval);
                try
                {
                    if (!await output.WaitToReadAsync(quiet.Token).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (!client.IsCancellationRequested)
                {
                    // Nothing to say for a while: tell the client (and proxies) the stream is alive.
                    await stream.WriteAsync(Event(new ProcessEvent { Keepalive = new ProcessEvent.Types.KeepAlive() }), client).ConfigureAwait(false);
                    continue;
                }
            }

            while (output.TryRead(out var data))
            {
                await stream.WriteAsync(Event(new ProcessEvent { Data = data }), client).ConfigureAwait(false);
            }
        }
    }

    private static StartResponse Event(ProcessEvent processEvent) => new() { Event = processEvent };
}
