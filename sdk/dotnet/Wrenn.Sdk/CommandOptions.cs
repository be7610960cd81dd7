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

    /// <summary>Written to stdin, which is then closed.</summary>
    public string? Stdin { get; init; }

    /// <summary>Throw <see cref="WrennCommandException"/> when the command exits non-zero (by default that is a result).</summary>
    public bool ThrowOnNonZeroExit { get; init; }
}
