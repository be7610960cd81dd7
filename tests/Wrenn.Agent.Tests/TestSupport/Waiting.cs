namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>Waiting for what happens outside the test's own code (a process that ends, a line that reaches a file).</summary>
public static class Waiting
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    /// <summary>Waits (10 s, or <paramref name="limit"/>, at most) until <paramref name="condition"/> holds, then asserts it, saying <paramref name="what"/> when it does not.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? Limit);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, cancellationToken);
        }

        Assert.True(condition(), what);
    }
}
