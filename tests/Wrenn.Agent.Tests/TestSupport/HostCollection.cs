namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>Tests that make real sandboxes on this host and compare host snapshots run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostCollection
{
    public const string Name = "host";
}
