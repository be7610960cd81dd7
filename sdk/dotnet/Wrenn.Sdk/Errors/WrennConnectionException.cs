namespace Wrenn.Sdk;

/// <summary>The control plane could not be reached (after retries, for idempotent calls).</summary>
public sealed class WrennConnectionException(string message, Exception inner) : Exception(message, inner);
