namespace Wrenn.Sdk;

/// <summary>What a finished command left. A non-zero <see cref="ExitCode"/> is a result, not an error.</summary>
/// <param name="Stdout">Everything it wrote to stdout.</param>
/// <param name="Stderr">Everything it wrote to stderr.</param>
/// <param name="ExitCode">Its exit code (-1 when killed by a signal).</param>
public sealed record CommandResult(string Stdout, string Stderr, int ExitCode);
