namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// Seeds for the randomized tests: a fresh one per run (more cases over time), or the one in
/// WRENN_TEST_SEED to replay a failure. Every failure message names the seed that produced it.
/// </summary>
internal static class TestSeed
{
    public static int Base { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("WRENN_TEST_SEED"), out var seed) ? seed : Random.Shared.Next();

    /// <summary>Runs <paramref name="test"/> for <paramref name="cases"/> seeds; a failure names its seed.</summary>
    public static void ForEach(int cases, Action<Random, int> test)
    {
        for (var i = 0; i < cases; i++)
        {
            var seed = unchecked(Base + i);
            try
            {
                test(new Random(seed), seed);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"failed for seed {seed} (replay: WRENN_TEST_SEED={seed}): {e.Message}", e);
            }
        }
    }
}
