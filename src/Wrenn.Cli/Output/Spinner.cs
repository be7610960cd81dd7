namespace Wrenn.Cli.Output;

/// <summary>
/// A spinner on stderr for work that may take more than a second, shown only when stderr is a
/// terminal (pipes and --json get nothing); disposing it clears the line.
/// </summary>
public sealed class Spinner : IAsyncDisposable
{
    private static readonly char[] Frames = ['|', '/', '-', '\\'];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly string _message;

    private Spinner(string message, bool visible)
    {
        _message = message;
        _loop = visible ? SpinAsync(_stop.Token) : Task.CompletedTask;
    }

    public static Spinner Start(string message, bool quiet) => new(message, !quiet && !Console.IsErrorRedirected);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task SpinAsync(CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        var frame = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteAsync($"\r{Frames[frame++ % Frames.Length]} {_message} {(DateTime.UtcNow - started).TotalSeconds:F1}s").ConfigureAwait(false);
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped: fall through and clear the line.
        }

        await Console.Error.WriteAsync("\r" + new string(' ', _message.Length + 12) + "\r").ConfigureAwait(false);
    }
}
