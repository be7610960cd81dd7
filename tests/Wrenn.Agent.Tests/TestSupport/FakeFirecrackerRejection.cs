namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>One request the fake refused, and the fault message it answered with.</summary>
public sealed record FakeFirecrackerRejection(string Method, string Path, string Body, string FaultMessage);
