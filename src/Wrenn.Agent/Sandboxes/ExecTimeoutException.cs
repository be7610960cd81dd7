namespace Wrenn.Agent.Sandboxes;

/// <summary>A command ran past its timeout and was killed.</summary>
public sealed class ExecTimeoutException(TimeSpan timeout)
    : Exception($"command did not finish within {timeout.TotalSeconds:0.###} s and was killed")
{
    public TimeSpan Timeout { get; } = timeout;
}
