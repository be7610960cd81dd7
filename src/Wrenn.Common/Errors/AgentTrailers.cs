namespace Wrenn.Common.Errors;

/// <summary>Trailers a host agent adds to a failed call where the status code alone is ambiguous.</summary>
public static class AgentTrailers
{
    /// <summary>
    /// Set on RESOURCE_EXHAUSTED when a concurrency limit refused the call (value: "host" or "team"),
    /// as opposed to a host out of capacity: the caller should slow down, not look for another host.
    /// </summary>
    public const string Limit = "wrenn-limit";

    /// <summary>
    /// Set on RESOURCE_EXHAUSTED (value "full") when the host's disk holding $WRENN_DIR is full: the
    /// control plane answers 507 insufficient_storage, not "no capacity".
    /// </summary>
    public const string Storage = "wrenn-storage";
}
