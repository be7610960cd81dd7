namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>Tests that count this process's open descriptors run alone, so other tests' sockets and files do not change the count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DescriptorCountCollection
{
    public const string Name = "descriptor count";
}
