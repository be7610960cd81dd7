using System.Globalization;
using System.Text.RegularExpressions;

namespace Wrenn.Bench.Steps;

/// <summary>
/// Reads the agent's per-operation step-timing line (Wrenn.Agent.Operations.StepTimingLine, branch
/// s16/cold): <c>{Operation} took {TotalMs} ms: {step}={ms} {step}={ms} …</c>, milliseconds with a dot
/// and one decimal, step names without spaces, the operation "kind subject" ("create sbx-…"). In
/// agent.log the console logger writes it on its own indented line under "info: Category[0]"; a
/// single-line console format puts that prefix before it on the same line, which is skipped too.
/// </summary>
public static partial class StepLogParser
{
    /// <summary>The operation, or null when <paramref name="line"/> is not a step-timing line.</summary>
    public static OperationTiming? Parse(string line)
    {
        var match = Line().Match(line);
        if (!match.Success)
        {
            return null;
        }

        var steps = new List<StepTiming>();
        foreach (var pair in match.Groups["steps"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.LastIndexOf('=');
            if (equals <= 0 || !double.TryParse(pair.AsSpan(equals + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
            {
                return null;
            }

            steps.Add(new StepTiming(pair[..equals], ms));
        }

        return new OperationTiming(
            match.Groups["kind"].Value,
            match.Groups["subject"].Value,
            double.Parse(match.Groups["total"].Value, CultureInfo.InvariantCulture),
            steps);
    }

    /// <summary>Every step-timing line of a log, in order.</summary>
    public static IReadOnlyList<OperationTiming> ParseAll(IEnumerable<string> lines) =>
        [.. lines.Select(Parse).OfType<OperationTiming>()];

    // Optional "level: Category[event] " prefix, then "kind [subject] took N ms: steps".
    [GeneratedRegex(@"^\s*(?:[a-z]{4}: \S+\[\d+\]\s+)?(?<kind>[A-Za-z][\w-]*)(?: (?<subject>[^\s]+(?: [^\s]+)*?))? took (?<total>\d+(?:\.\d+)?) ms: (?<steps>\S+=\S+(?: \S+=\S+)*)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Line();
}
