using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Envd;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Agent.Sandboxes;

/// <summary>Commands in a running sandbox, through its envd: collected to completion, or streamed both ways.</summary>
public sealed class SandboxCommands(
    SandboxManager manager,
    EnvdClient envd,
    SandboxRequestValidator validator,
    SandboxCallLimiter limiter,
    IOptions<SandboxManagerOptions> options,
    ILogger<SandboxCommands> logger)
{
    /// <summary>Runs a command to completion and returns its output; the command is killed at its timeout.</summary>
    public async Task<ExecResult> ExecAsync(ExecSpec spec, CancellationToken cancellationToken)
    {
        validator.ValidateExec(spec);
        if (spec.Terminal is not null)
        {
            throw new ArgumentException("a terminal is only for streaming exec");
        }

        var sandbox = manager.GetRunningAndTouch(spec.SandboxId);
        using var lease = limiter.Enter(sandbox);
        var timeout = spec.Timeout ?? options.Value.DefaultExecTimeout;
        var output = new CollectedOutput(options.Value.MaxExecOutputBytes);
        ProcessEvent.Types.EndEvent? end = null;
        uint? pid = null;
        try
        {
            await foreach (var processEvent in envd.StartProcessAsync(sandbox.Envd, Start(spec, stdin: false), User(spec), timeout, cancellationToken).ConfigureAwait(false))
            {
                switch (processEvent.EventCase)
                {
                    case ProcessEvent.EventOneofCase.Start:
                        pid = processEvent.Start.Pid;
                        break;
                    case ProcessEvent.EventOneofCase.Data:
                        output.Append(processEvent.Data);
                        break;
                    case ProcessEvent.EventOneofCase.End:
                        end = processEvent.End;
                        break;
                }
            }
        }
        catch (EnvdCallException ex) when (ex.Code == "deadline_exceeded")
        {
            // envd killed the process group at the timeout we gave it as Connect-Timeout-Ms.
            throw new ExecTimeoutException(timeout);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && pid is { } abandoned)
        {
            // The caller went away; nobody will read the result of a command left to run to its timeout.
            await KillQuietlyAsync(sandbox, abandoned).ConfigureAwait(false);
            throw;
        }
        catch (ExecOutputTooLargeException) when (pid is { } running)
        {
            // Nobody will read the rest: do not leave the command running until its timeout.
            await KillQuietlyAsync(sandbox, running).ConfigureAwait(false);
            throw;
        }

        return end is null
            ? throw new EnvdProtocolException("envd ended the process stream without an end event")
            : new ExecResult(output.Stdout, output.Stderr, end.ExitCode);
    }

    /// <summary>
    /// Runs a command with its output passed on as it comes and <paramref name="input"/> fed to it. When
    /// the caller goes away the command is killed: nobody could reach it any more.
    /// </summary>
    public async Task StreamAsync(ExecSpec spec, IAsyncEnumerable<ExecInput> input, Func<ExecOutput, Task> emit, CancellationToken cancellationToken)
    {
        validator.ValidateExec(spec);
        var sandbox = manager.GetRunningAndTouch(spec.SandboxId);
        using var lease = limiter.Enter(sandbox);
        var timeout = spec.Timeout ?? options.Value.DefaultExecTimeout;
        var started = new TaskCompletionSource<uint>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var feeding = FeedAsync(sandbox, started.Task, input, spec.Terminal is not null, done.Token);
        ProcessEvent.Types.EndEvent? end = null;
        var timedOut = false;
        try
        {
            await foreach (var processEvent in envd.StartProcessAsync(sandbox.Envd, Start(spec, stdin: true), User(spec), timeout, cancellationToken).ConfigureAwait(false))
            {
                switch (processEvent.EventCase)
                {
                    case ProcessEvent.EventOneofCase.Start:
                        started.TrySetResult(processEvent.Start.Pid);
                        await emit(new ExecOutput.Started(processEvent.Start.Pid)).ConfigureAwait(false);
                        break;
                    case ProcessEvent.EventOneofCase.Data when processEvent.Data.OutputCase == ProcessEvent.Types.DataEvent.OutputOneofCase.Stderr:
                        await emit(new ExecOutput.Stderr(processEvent.Data.Stderr.Memory)).ConfigureAwait(false);
                        break;
                    case ProcessEvent.EventOneofCase.Data when processEvent.Data.OutputCase == ProcessEvent.Types.DataEvent.OutputOneofCase.Pty:
                        // A terminal has one output: it goes out as stdout.
                        await emit(new ExecOutput.Stdout(processEvent.Data.Pty.Memory)).ConfigureAwait(false);
                        break;
                    case ProcessEvent.EventOneofCase.Data:
                        await emit(new ExecOutput.Stdout(processEvent.Data.Stdout.Memory)).ConfigureAwait(false);
                        break;
                    case ProcessEvent.EventOneofCase.End:
                        end = processEvent.End;
                        break;
                }

                manager.Touch(sandbox);
            }
        }
        catch (EnvdCallException ex) when (ex.Code == "deadline_exceeded")
        {
            timedOut = true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && started.Task.IsCompletedSuccessfully)
        {
            await KillQuietlyAsync(sandbox, started.Task.Result).ConfigureAwait(false);
            throw;
        }
        finally
        {
            started.TrySetCanceled(CancellationToken.None);
            await done.CancelAsync().ConfigureAwait(false);
            await feeding.ConfigureAwait(false);
        }

        await emit(end is null
            ? new ExecOutput.Exited(-1, "signal: killed", timedOut)
            : new ExecOutput.Exited(end.ExitCode, end.Status, timedOut)).ConfigureAwait(false);
    }

    private async Task FeedAsync(Sandbox sandbox, Task<uint> started, IAsyncEnumerable<ExecInput> input, bool terminal, CancellationToken cancellationToken)
    {
        try
        {
            var pid = await started.WaitAsync(cancellationToken).ConfigureAwait(false);
            await foreach (var item in input.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                switch (item)
                {
                    case ExecInput.Stdin stdin when terminal:
                        await envd.SendTerminalInputAsync(sandbox.Envd, pid, stdin.Data, cancellationToken).ConfigureAwait(false);
                        break;
                    case ExecInput.Stdin stdin:
                        await envd.SendStdinAsync(sandbox.Envd, pid, stdin.Data, cancellationToken).ConfigureAwait(false);
                        break;
                    case ExecInput.Resize resize when terminal:
                        await envd.ResizeTerminalAsync(sandbox.Envd, pid, resize.Size.Columns, resize.Size.Rows, cancellationToken).ConfigureAwait(false);
                        break;
                    case ExecInput.CloseStdin:
                        await envd.CloseStdinAsync(sandbox.Envd, pid, cancellationToken).ConfigureAwait(false);
                        break;
                    case ExecInput.Signal signal:
                        await envd.SendSignalAsync(sandbox.Envd, pid, signal.Number == 15 ? Signal.Sigterm : Signal.Sigkill, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or EnvdCallException or ChannelClosedException)
        {
            // The command ended (or never started); input for it has nowhere to go.
        }
        catch (Exception ex)
        {
            logger.ForwardingInputFailed(ex, sandbox.Id);
        }
    }

    private async Task KillQuietlyAsync(Sandbox sandbox, uint pid)
    {
        try
        {
            using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await envd.SendSignalAsync(sandbox.Envd, pid, Signal.Sigkill, budget.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is EnvdCallException or HttpRequestException or OperationCanceledException)
        {
            logger.KillFailed(ex, pid, sandbox.Id);
        }
    }

    private string User(ExecSpec spec) => spec.User ?? options.Value.DefaultUser;

    private static StartRequest Start(ExecSpec spec, bool stdin)
    {
        var config = new ProcessConfig();
        if (spec.Arguments.Count == 0)
        {
            // A bare command is a shell command line, as in E2B's SDKs: pipes, globs and && work.
            config.Cmd = "/bin/bash";
            config.Args.Add(["-l", "-c", spec.Command]);
        }
        else
        {
            config.Cmd = spec.Command;
            config.Args.Add(spec.Arguments);
        }

        foreach (var (name, value) in spec.Environment)
        {
            config.Envs[name] = value;
        }

        if (!string.IsNullOrEmpty(spec.WorkingDirectory))
        {
            config.Cwd = spec.WorkingDirectory;
        }

        var request = new StartRequest { Process = config, Stdin = stdin };
        if (spec.Terminal is { } terminal)
        {
            config.Envs.TryAdd("TERM", "xterm-256color");
            request.Pty = new PTY { Size = new PTY.Types.Size { Cols = terminal.Columns, Rows = terminal.Rows } };
        }

        return request;
    }
}
