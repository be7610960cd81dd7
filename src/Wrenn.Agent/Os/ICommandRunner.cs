namespace Wrenn.Agent.Os;

/// <summary>Runs host programs (ip, runc, …) with an argument vector, never through a shell string.</summary>
public interface ICommandRunner
{
    /// <summary>Runs the program to completion, feeding it <paramref name="standardInput"/>, and returns its exit code and output.</summary>
    Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken);

    /// <summary>Runs the program to completion with empty stdin and returns its exit code and output.</summary>
    Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(program, arguments, null, cancellationToken);

    /// <summary>Runs the program and throws <see cref="CommandFailedException"/> when it exits non-zero.</summary>
    async Task<CommandResult> RunCheckedAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken, string? standardInput = null)
    {
        var result = await RunAsync(program, arguments, standardInput, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new CommandFailedException(CommandLine(program, arguments), result);
        }

        return result;
    }

    static string CommandLine(string program, IReadOnlyList<string> arguments) =>
        arguments.Count == 0 ? program : program + " " + string.Join(' ', arguments);
}
