using System.CommandLine;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using Wrenn.Cli.Api;
using Wrenn.Cli.Terminal;
using Wrenn.Sdk;

namespace Wrenn.Cli.Commands;

/// <summary>
/// `wrenn sandbox shell ID`: an interactive login shell on a pseudo-terminal in the sandbox, through the
/// SDK's command stream. The local terminal goes raw so every key (Ctrl-C too) reaches the remote
/// shell; window size changes follow; the exit code is the shell's.
/// </summary>
public static class ShellCommand
{
    // A shell lives as long as its user wants it; this is the API's longest exec timeout.
    private static readonly TimeSpan ShellTimeout = TimeSpan.FromHours(24);

    public static Command Create(ApiOptions api)
    {
        var id = new Argument<string>("id") { Description = "Sandbox id" };
        var user = new Option<string?>("--user") { Description = "Unix user inside the sandbox (default user)" };
        var shell = new Option<string>("--shell") { Description = "Program to run", DefaultValueFactory = _ => "/bin/bash" };
        var command = new Command("shell", "Open an interactive shell in a sandbox (a pseudo-terminal; exit code is the shell's)") { id, user, shell };
        command.SetAction((parse, ct) => api.RunAsync(parse, ct, ApiCredential.ApiKey, async (client, json) =>
        {
            var sandbox = await client.ConnectAsync(parse.GetValue(id)!, ct).ConfigureAwait(false);
            await using var stdout = Console.OpenStandardOutput();
            var options = new CommandOptions
            {
                Args = ["-l"],
                User = parse.GetValue(user),
                Timeout = ShellTimeout,
                Pty = WindowSize(),
                CollectOutput = false,

                // On a pseudo-terminal everything comes as stdout: the screen, byte for byte.
                OnStdoutBytes = data =>
                {
                    stdout.Write(data.Span);
                    stdout.Flush();
                },
            };
            await using var handle = await sandbox.Commands.StartAsync(parse.GetValue(shell)!, options, ct).ConfigureAwait(false);
            using var raw = RawTerminal.Enter();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var resize = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context => _ = QuietlyAsync(() => handle.ResizeAsync(WindowSize(), stop.Token)));

            // Not awaited: a read of the terminal cannot be cancelled, and the process ends with the shell anyway.
            _ = ForwardKeysAsync(handle, stop.Token);
            try
            {
                return (await handle.WaitAsync(ct).ConfigureAwait(false)).ExitCode;
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }
        }));
        return command;
    }

    private static async Task ForwardKeysAsync(CommandHandle handle, CancellationToken cancellationToken)
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
                await QuietlyAsync(() => handle.SendStdinAsync(buffer.AsMemory(0, read), cancellationToken)).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The shell ended: no one to type to.
        }
    }

    /// <summary>Keys and window sizes sent after the shell ended or the connection went have no one to reach.</summary>
    private static async Task QuietlyAsync(Func<Task> send)
    {
        try
        {
            await send().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }

    private static TerminalSize WindowSize()
    {
        try
        {
            // A terminal that reports no size (a pty nobody sized, as `script` makes) gets the classic one.
            return Console.IsOutputRedirected || Console.WindowWidth <= 0 || Console.WindowHeight <= 0
                ? new TerminalSize(80, 24)
                : new TerminalSize(Math.Min(Console.WindowWidth, 1000), Math.Min(Console.WindowHeight, 1000));
        }
        catch (IOException)
        {
            return new TerminalSize(80, 24);
        }
    }
}
