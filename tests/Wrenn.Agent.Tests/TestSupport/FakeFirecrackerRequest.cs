namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>One request the fake accepted: method, path and the body exactly as it came.</summary>
public sealed record FakeFirecrackerRequest(string Method, string Path, string Body)
{
    public override string ToString() => $"{Method} {Path}";
}
