namespace Wrenn.Agent.Sandboxes;

/// <summary>What a streaming exec reports, in order: started, output chunks as they come, exited.</summary>
public abstract record ExecOutput
{
    public sealed record Started(uint Pid) : ExecOutput;

    public sealed record Stdout(ReadOnlyMemory<byte> Data) : ExecOutput;

    public sealed record Stderr(ReadOnlyMemory<byte> Data) : ExecOutput;

    /// <param name="TimedOut">True when the command ran past its timeout and was killed.</param>
    public sealed record Exited(int ExitCode, string Status, bool TimedOut) : ExecOutput;
}
