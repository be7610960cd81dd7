using System.Globalization;

namespace Wrenn.Tests.Shared;

/// <summary>Reads samples out of a Prometheus text exposition (what <c>/metrics</c> answers).</summary>
public static class PrometheusText
{
    /// <summary>The sum of every sample of <paramref name="name"/> whose labels include all of <paramref name="labels"/> (0 when none).</summary>
    public static double Sum(string exposition, string name, params (string Label, string Value)[] labels) =>
        exposition.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            .Where(line => labels.All(l => line.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
            .Sum(line => double.Parse(ValueOf(line, name), CultureInfo.InvariantCulture));

    /// <summary>The value of a sample line: after the label set when there is one, else after the name (a timestamp may follow).</summary>
    private static string ValueOf(string line, string name) =>
        (line.Contains('{', StringComparison.Ordinal) ? line[(line.LastIndexOf('}') + 1)..] : line[name.Length..]).Trim().Split(' ')[0];
}
