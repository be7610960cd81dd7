using Wrenn.Agent.Os;
using Wrenn.Agent.Pool;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// A command runner for prepared-slot tests that runs nothing and notes how many creates were under way at
/// each command; the first `ip netns add` (a slot's first step) is where a create begins.
/// </summary>
public sealed class CreateStartingRunner(CreatesInFlight creates) : ICommandRunner
{
    private readonly List<(string Command, int CreatesUnderWay)> _commands = [];

    public TaskCompletionSource CreateBegun { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<(string Command, int CreatesUnderWay)> Commands
    {
        get
        {
            lock (_commands)
            {
                return [.. _commands];
            }
        }
    }

    public Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken)
    {
        lock (_commands)
        {
            _commands.Add((program + " " + string.Join(' ', arguments), creates.Count));
        }

        if (program == "ip" && arguments is ["netns", "add", ..] && !CreateBegun.Task.IsCompleted)
        {
            creates.Begin();
            CreateBegun.TrySetResult();
        }

        return Task.FromResult(new CommandResult(0, string.Empty, string.Empty));
    }
}
