namespace Wrenn.E2E.Tests;

/// <summary>
/// Tests that start platforms of their own and compare what exists on the host before and after. They run
/// alone, after <see cref="PlatformCollection"/> has stopped its shared platform: that platform's agent keeps
/// making network slots and pooled sandboxes in the background, and what it made during such a test was
/// counted as the test's leftovers (CI failed on a shared slot named in the list of what a stopped `wrenn up` left).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OwnPlatformCollection
{
    public const string Name = "own platform";
}
