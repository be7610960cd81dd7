using System.Globalization;

namespace Wrenn.Bench;

/// <summary>The bench's command line, validated before anything starts.</summary>
public sealed record BenchOptions(string ResultsDirectory, int Runs, int ExecRuns, int PoolDepth, IReadOnlySet<string> Only, bool List)
{
    public const string Usage =
        "usage: Wrenn.Bench [--results DIR] [--runs N] [--exec-runs N] [--pool-depth N] [--only ROW[,ROW…]] [--list]";

    /// <summary>Whether <paramref name="row"/> is to run (all rows when --only is not given).</summary>
    public bool Includes(string row) => Only.Count == 0 || Only.Contains(row);

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var results = "bench/results";
        var runs = 20;
        var execRuns = 100;
        var poolDepth = 20;
        var only = new HashSet<string>(StringComparer.Ordinal);
        var list = false;
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value\n{Usage}");
            switch (args[i])
            {
                case "--results":
                    results = Value();
                    break;
                case "--runs":
                    runs = Positive("--runs", Value());
                    break;
                case "--exec-runs":
                    execRuns = Positive("--exec-runs", Value());
                    break;
                case "--pool-depth":
                    poolDepth = Positive("--pool-depth", Value());
                    break;
                case "--only":
                    only.UnionWith(Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "--list":
                    list = true;
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'\n{Usage}");
            }
        }

        return new BenchOptions(results, runs, execRuns, poolDepth, only, list);
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new ArgumentException($"{name} must be a positive whole number, not '{value}'");
}
