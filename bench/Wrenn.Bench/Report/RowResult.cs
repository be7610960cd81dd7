using System.Text.Json.Nodes;

namespace Wrenn.Bench.Report;

/// <summary>
/// What one measurement produced: its goal figures, any Wrenn-vs-baseline comparisons, the samples to
/// chart, extra lines to print (a table), extra JSON, or the reason it was skipped.
/// </summary>
public sealed record RowResult(string Row, string Title)
{
    public string? Skipped { get; init; }

    public IReadOnlyList<Figure> Figures { get; init; } = [];

    public IReadOnlyList<Comparison> Comparisons { get; init; } = [];

    public IReadOnlyList<Sample> Distributions { get; init; } = [];

    public IReadOnlyList<string> Lines { get; init; } = [];

    public JsonObject? Details { get; init; }

    public static RowResult Skip(string row, string title, string reason) => new(row, title) { Skipped = reason };
}
