namespace Wrenn.Agent.Sandboxes;

/// <summary>What a streaming exec's caller sends after the command started.</summary>
public abstract record ExecInput
{
    /// <summary>Bytes for the command's stdin.</summary>
    public sealed record Stdin(ReadOnlyMemory<byte> Data) : ExecInput;

    /// <summary>End of file on stdin.</summary>
    public sealed record CloseStdin : ExecInput;

    /// <summary>SIGTERM (15) or SIGKILL (9) to the command and everything it started.</summary>
    public sealed record Signal(int Number) : ExecInput;

    /// <summary>The command's pseudo-terminal changed size.</summary>
    public sealed record Resize(TerminalSize Size) : ExecInput;
}
