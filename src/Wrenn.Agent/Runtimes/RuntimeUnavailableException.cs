namespace Wrenn.Agent.Runtimes;

/// <summary>The runtime makes no sandboxes on this host, for the reason given (logged at agent start too).</summary>
public sealed class RuntimeUnavailableException(string message) : Exception(message);
