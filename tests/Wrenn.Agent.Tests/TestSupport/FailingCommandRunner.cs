using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// Runs host commands for real, except those the test arms a failure for: each armed failure hits the
/// next matching command once, either instead of running it or after it ran (the step did its work
/// and still reported failure, the harder case for cleanup).
/// </summary>
public sealed class FailingCommandRunner : ICommandRunner
{
    private readonly ProcessCommandRunner _inner = new(NullLogger<ProcessCommandRunner>.Instance);
    private readonly List<(string Prefix, bool AfterRunning)> _armed = [];

    /// <summary>Fails the next command whose "program args…" line starts with <paramref name="prefix"/>.</summary>
    public void FailNext(string prefix, bool afterRunning = false)
    {
        lock (_armed)
        {
            _armed.Add((prefix, afterRunning));
        }
    }

    public List<string> Failed { get; } = [];

    public async Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken)
    {
        var line = program + " " + string.Join(' ', arguments);
        (string Prefix, bool AfterRunning)? fault = null;
        lock (_armed)
        {
            var index = _armed.FindIndex(a => line.StartsWith(a.Prefix, StringComparison.Ordinal));
            if (index >= 0)
            {
                fault = _armed[index];
                _armed.RemoveAt(index);
                Failed.Add(line);
            }
        }

        if (fault is null)
        {
            return await _inner.RunAsync(program, arguments, standardInput, cancellationToken).ConfigureAwait(false);
        }

        if (fault.Value.AfterRunning)
        {
            await _inner.RunAsync(program, arguments, standardInput, cancellationToken).ConfigureAwait(false);
        }

        return new CommandResult(1, string.Empty, "injected failure");
    }
}
