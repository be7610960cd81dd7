namespace Wrenn.Agent.Sandboxes;

/// <summary>A collected exec printed more than the agent will hold in memory for one call.</summary>
public sealed class ExecOutputTooLargeException(long limitBytes)
    : Exception($"command output exceeded {limitBytes} bytes; use the streaming exec call for large output")
{
    public long LimitBytes { get; } = limitBytes;
}
