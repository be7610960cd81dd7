using Wrenn.Agent.Os;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// A command runner for network-manager tests that runs nothing: every command succeeds at once,
/// except `ip link delete`, which waits until the test releases it, so a removal can be caught half-way.
/// </summary>
public sealed class HeldLinkDeleteRunner : ICommandRunner
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource LinkDeleteReached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<string> Commands { get; } = [];

    public void Release() => _release.TrySetResult();

    public async Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken)
    {
        lock (Commands)
        {
            Commands.Add(program + " " + string.Join(' ', arguments));
        }

        if (program == "ip" && arguments is ["link", "delete", ..])
        {
            LinkDeleteReached.TrySetResult();
            await _release.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return new CommandResult(0, string.Empty, string.Empty);
    }
}
