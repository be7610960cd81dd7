namespace Wrenn.Sdk;

/// <summary>No API URL or key could be found, or the URL is not http(s).</summary>
public sealed class WrennConfigurationException(string message) : Exception(message);
