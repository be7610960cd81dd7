namespace Wrenn.Agent.Sandboxes;

/// <summary>What a command printed and how it ended.</summary>
public sealed record ExecResult(byte[] Stdout, byte[] Stderr, int ExitCode);
