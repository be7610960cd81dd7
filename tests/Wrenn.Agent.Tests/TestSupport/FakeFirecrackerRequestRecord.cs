namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>One API request a fake firecracker process decided: accepted when <paramref name="Fault"/> is null.</summary>
public sealed record FakeFirecrackerRequestRecord(int Pid, string Method, string Path, string Body, string? Fault)
{
    public override string ToString() => $"{Method} {Path}";
}
