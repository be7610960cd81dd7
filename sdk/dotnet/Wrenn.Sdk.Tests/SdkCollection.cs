namespace Wrenn.Sdk.Tests;

/// <summary>The settings test changes environment variables the scenario tests read: they share one collection, so they never overlap.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SdkCollection
{
    public const string Name = "sdk";
}
