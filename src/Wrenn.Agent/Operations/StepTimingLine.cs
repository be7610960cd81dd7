using System.Globalization;
using System.Text;

namespace Wrenn.Agent.Operations;

/// <summary>
/// The one Information line a finished operation logs, for people and for the bench to parse:
/// <c>{Operation} took {TotalMs} ms: {step}={ms} {step}={ms} …</c>, milliseconds with one decimal and
/// a dot whatever the culture, steps in the order they ran, names without spaces. Documented in
/// docs/observability.md; change it only together with bench/.
/// </summary>
public static class StepTimingLine
{
    /// <summary>The message template; <c>Steps</c> is <see cref="FormatSteps"/>.</summary>
    public const string Template = "{Operation} took {TotalMs} ms: {Steps}";

    public static string FormatMs(double milliseconds) => milliseconds.ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>"a=1.2 b=0.3": each step's name and milliseconds, in order.</summary>
    public static string FormatSteps(IEnumerable<StepTiming> steps)
    {
        var text = new StringBuilder();
        foreach (var step in steps)
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(step.Name.Replace(' ', '_')).Append('=').Append(FormatMs(step.ElapsedMs));
        }

        return text.ToString();
    }

    /// <summary>
    /// Reads the steps back out of a rendered line (anything before " took " is the operation); null when
    /// <paramref name="line"/> is not one.
    /// </summary>
    public static IReadOnlyList<StepTiming>? ParseSteps(string line)
    {
        var took = line.IndexOf(" took ", StringComparison.Ordinal);
        var colon = took < 0 ? -1 : line.IndexOf(" ms: ", took, StringComparison.Ordinal);
        if (colon < 0)
        {
            return null;
        }

        var steps = new List<StepTiming>();
        foreach (var pair in line[(colon + 5)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.LastIndexOf('=');
            if (equals <= 0 || !double.TryParse(pair[(equals + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
            {
                return null;
            }

            steps.Add(new StepTiming(pair[..equals], ms));
        }

        return steps;
    }
}
