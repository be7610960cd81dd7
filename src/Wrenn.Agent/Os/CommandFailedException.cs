namespace Wrenn.Agent.Os;

/// <summary>A host command (ip, runc, mount, …) exited non-zero; carries what it printed to stderr.</summary>
public sealed class CommandFailedException(string commandLine, CommandResult result)
    : Exception($"'{commandLine}' exited with {result.ExitCode}: {Trim(result.StandardError)}")
{
    public string CommandLine { get; } = commandLine;

    public CommandResult Result { get; } = result;

    private static string Trim(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length <= 2000 ? trimmed : trimmed[..2000] + "…";
    }
}
