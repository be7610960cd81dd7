using System.Globalization;

namespace Wrenn.E2E.Tests.MultiHost;

/// <summary>
/// How long make soak's multi-host phase runs (scripts/soak.sh sets these): SOAK_MULTIHOST_CYCLES create → exec →
/// destroy cycles, SOAK_MULTIHOST_PARALLEL at a time; the numbers go to SOAK_RESULTS (bench/results by default).
/// </summary>
public sealed record MultiHostSoakSettings(int Cycles, int Parallel, string ResultsDirectory)
{
    public const string CyclesVariable = "SOAK_MULTIHOST_CYCLES";

    public const string ParallelVariable = "SOAK_MULTIHOST_PARALLEL";

    public const string ResultsVariable = "SOAK_RESULTS";

    public static MultiHostSoakSettings FromEnvironment() => new(
        Count(CyclesVariable, 300, minimum: 4),
        Count(ParallelVariable, 6, minimum: 1),
        Environment.GetEnvironmentVariable(ResultsVariable) is { Length: > 0 } results ? results : Path.Combine(RepositoryRoot(), "bench", "results"));

    /// <summary>The checkout this test was built in (the directory above it holding Wrenn.slnx).</summary>
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Wrenn.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Wrenn.slnx above {AppContext.BaseDirectory}; set {ResultsVariable}");
    }

    private static int Count(string variable, int fallback, int minimum) =>
        Environment.GetEnvironmentVariable(variable) is not { Length: > 0 } value ? fallback
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= minimum ? count
        : throw new InvalidOperationException($"{variable} must be a whole number of at least {minimum}, not '{value}'");
}
