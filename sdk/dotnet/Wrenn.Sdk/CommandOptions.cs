namespace Wrenn.Sdk;

/// <summary>How to run a command; every value is optional.</summary>
public sealed record CommandOptions
{
    /// <summary>With arguments, the command is the program to run; without, it is a shell line (bash -l -c).</summary>
    public IReadOnlyList<string>? Args { get; init; }

    /// <summary>Extra environment variables.</summary>
    public IReadOnlyDictionary<string, string>? Env { get; init; }

    /// <summary>Working directory (default: the user's home).</summary>
    public string? Cwd { get; init; }

    /// <summary>Unix user inside the sandbox (default <c>user</c>).</summary>
    public string? User { get; init; }

    /// <summary>Kill the command after this long (default 60 s).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Called with stdout as it comes.</summary>
    public Action<string>? OnStdout { get; init; }

    /// <summary>Called with stderr as it comes.</summary>
    public Action<string>? OnStderr { get; init; }

    /// <summary>Called with stdout's bytes exactly as they come (binary output, a terminal's escape sequences).</summary>
    public Action<ReadOnlyMemory<byte>>? OnStdoutBytes { get; init; }

    /// <summary>Called with stderr's bytes exactly as they come.</summary>
    public Action<ReadOnlyMemory<byte>>? OnStderrBytes { get; init; }

    /// <summary>
    /// Run it on a pseudo-terminal of this size (an interactive shell): stdout and stderr arrive as one
    /// stream, stdin is the terminal's keyboard, <see cref="CommandHandle.ResizeAsync"/> follows a window.
    /// </summary>
    public TerminalSize? Pty { get; init; }

    /// <summary>Written to stdin, which is then closed.</summary>
    public string? Stdin { get; init; }

    /// <summary>
    /// Keep the output for the result and <see cref="CommandHandle.ReadAllAsync"/> (default). False for output
    /// too big to hold: the result's Stdout and Stderr stay empty and the stream yields only the exit; the
    /// callbacks still see everything.
    /// </summary>
    public bool CollectOutput { get; init; } = true;

    /// <summary>Throw <see cref="WrennCommandException"/> when the command exits non-zero (by default that is a result).</summary>
    public bool ThrowOnNonZeroExit { get; init; }
}
