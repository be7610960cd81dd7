namespace Wrenn.Sdk;

/// <summary>One event of a streamed command: output as it comes, then its exit.</summary>
public abstract record CommandOutput
{
    /// <summary>A piece of stdout.</summary>
    public sealed record Stdout(string Text) : CommandOutput;

    /// <summary>A piece of stderr.</summary>
    public sealed record Stderr(string Text) : CommandOutput;

    /// <summary>The command ended with this exit code.</summary>
    public sealed record Exited(int ExitCode) : CommandOutput;
}
