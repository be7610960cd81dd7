namespace Wrenn.Sdk;

/// <summary>A command exited non-zero and the caller asked for an exception (<see cref="CommandOptions.ThrowOnNonZeroExit"/>).</summary>
public sealed class WrennCommandException(CommandResult result) : Exception($"the command exited with {result.ExitCode}: {result.Stderr[Math.Max(0, result.Stderr.Length - 500)..]}")
{
    /// <summary>What it left.</summary>
    public CommandResult Result { get; } = result;
}
