using Wrenn.Cli.Output;
using Wrenn.Common.Doctor;

namespace Wrenn.Cli.Doctor;

/// <summary>How `wrenn doctor` and `wrenn up` show host check results.</summary>
public static class DoctorPrinter
{
    /// <summary>The whole report: one row per check, then each fix under the table.</summary>
    public static void WriteTable(TextWriter output, DoctorReport report)
    {
        Table.Write(output, ["CHECK", "STATUS", "DETAIL"], report.Results.Select(r => (IReadOnlyList<string>)[r.Check, Label(r.Status), r.Detail]));
        var fixes = report.Results.Where(r => r.Fix is not null && r.Status is CheckStatus.Missing or CheckStatus.Warning).ToList();
        if (fixes.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("To fix:");
            foreach (var result in fixes)
            {
                output.WriteLine($"  {result.Check} ({Label(result.Status)}): {result.Fix}");
            }
        }

        output.WriteLine();
        output.WriteLine(report.IsHealthy
            ? "Everything Wrenn needs is here."
            : $"{report.Missing.Count} required thing{(report.Missing.Count == 1 ? " is" : "s are")} missing (see To fix).");
    }

    /// <summary>One line per missing requirement with its fix, for a command that stops on them.</summary>
    public static IEnumerable<string> MissingLines(DoctorReport report) =>
        report.Missing.Select(r => $"{r.Detail}: {r.Fix}");

    public static string Label(CheckStatus status) => status switch
    {
        CheckStatus.Ok => "ok",
        CheckStatus.Warning => "warning",
        CheckStatus.Missing => "MISSING",
        _ => "skipped",
    };
}
