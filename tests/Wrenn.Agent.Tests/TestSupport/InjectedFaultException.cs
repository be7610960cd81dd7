namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>The failure a test injected; nothing else throws it.</summary>
public sealed class InjectedFaultException(string message) : Exception(message);
