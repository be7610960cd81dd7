namespace Wrenn.Agent.Sandboxes;

/// <summary>A command to run to completion in a sandbox.</summary>
/// <param name="Command">With no <paramref name="Arguments"/>, a shell command line run by bash -l -c; otherwise the program to run.</param>
/// <param name="Timeout">Kill the command after this long; null = <see cref="SandboxManagerOptions.DefaultExecTimeout"/>.</param>
/// <param name="User">Unix user inside the sandbox; null = the image's default user.</param>
/// <param name="Terminal">Run on a pseudo-terminal of this size (streaming only); null = pipes.</param>
public sealed record ExecSpec(
    string SandboxId,
    string Command,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Environment,
    string? WorkingDirectory,
    TimeSpan? Timeout,
    string? User,
    TerminalSize? Terminal = null);
