namespace Wrenn.Agent.Envd;

/// <summary>
/// envd (which the sandbox's owner controls) answered with more than the agent will hold in memory
/// for one call; the call fails and the agent carries on.
/// </summary>
public sealed class EnvdResponseTooLargeException(string what, long limit)
    : Exception($"the sandbox's answer to {what} exceeded {limit} bytes (or entries); ask for less, e.g. a smaller directory depth")
{
    public long Limit { get; } = limit;
}
