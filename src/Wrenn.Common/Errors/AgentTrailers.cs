namespace Wrenn.Common.Errors;

/// <summary>Trailers a host agent adds to a failed call where the status code alone is ambiguous.</summary>
public static class AgentTrailers
{
    /// <summary>
    /// Set on RESOURCE_EXHAUSTED when a concurrency limit refused the call (value: "host" or "team"),
    /// as opposed to a host out of capacity: the caller should slow down, not look for another host.
    /// </summary>
    public const string Limit = "wrenn-limit";
}
