using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Wrenn.Bench.Report;

/// <summary>The run as JSON: options, machine, every goal line, comparisons, skipped rows, details and the raw samples.</summary>
public static class JsonReport
{
    public static JsonObject Build(BenchOptions options, IReadOnlyList<RowResult> results, DateTimeOffset measuredAt) => new()
    {
        ["benchmark"] = "issue-16",
        ["measured_at"] = measuredAt.ToString("O", CultureInfo.InvariantCulture),
        ["machine"] = new JsonObject { ["cpus"] = Environment.ProcessorCount, ["kernel"] = Environment.OSVersion.VersionString, ["load_1m"] = LoadAverage() },
        ["options"] = new JsonObject
        {
            ["runs"] = options.Runs,
            ["exec_runs"] = options.ExecRuns,
            ["pool_depth"] = options.PoolDepth,
            ["only"] = new JsonArray([.. options.Only.Select(o => (JsonNode)o)]),
        },
        ["goals"] = new JsonArray([.. ConsoleReport.GoalLines(results).Select(l => (JsonNode)new JsonObject
        {
            ["row"] = l.Goal.Row,
            ["key"] = l.Goal.Key,
            ["what"] = l.Goal.What,
            ["unit"] = l.Goal.Unit,
            ["goal"] = l.Goal.GoalText,
            ["today"] = l.Goal.Today,
            ["value"] = Round(l.Figure?.Value),
            ["baseline"] = Round(l.Figure?.Baseline),
            ["baseline_name"] = l.Figure?.BaselineName,
            ["ratio"] = Round(l.Ratio, 3),
            ["over_baseline"] = Round(l.Over),
            ["met"] = l.Met,
            ["note"] = l.Figure?.Note,
            ["skipped"] = l.Figure is null ? l.Skipped : null,
        })]),
        ["comparisons"] = new JsonArray([.. results.SelectMany(r => r.Comparisons).Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name,
            ["what"] = c.What,
            ["runs"] = c.Wrenn.Count,
            ["wrenn"] = Describe(c.Wrenn),
            ["baseline"] = Describe(c.Baseline),
            ["ratio_p50"] = Round(c.RatioP50, 3),
            ["ratio_p95"] = Round(c.RatioP95, 3),
            ["added_p50_ms"] = Round(c.Wrenn.P50 - c.Baseline.P50, 3),
        })]),
        ["skipped"] = new JsonArray([.. results.Where(r => r.Skipped is not null).Select(r => (JsonNode)new JsonObject { ["row"] = r.Row, ["reason"] = r.Skipped })]),
        ["details"] = new JsonObject(results.Where(r => r.Details is not null).Select(r => KeyValuePair.Create(r.Row, (JsonNode?)r.Details!.DeepClone()))),
        ["samples_ms"] = new JsonObject(results.SelectMany(r => r.Distributions).DistinctBy(s => s.Name).Select(s => KeyValuePair.Create(s.Name, (JsonNode?)new JsonArray([.. s.Values.Select(v => (JsonNode)Math.Round(v, 3))])))),
    };

    public static async Task<string> WriteAsync(JsonObject document, string path, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(path, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }), cancellationToken);
        return path;
    }

    private static JsonObject Describe(Sample sample) => new()
    {
        ["description"] = sample.Name,
        ["p50_ms"] = Round(sample.P50),
        ["p95_ms"] = Round(sample.P95),
        ["p99_ms"] = Round(sample.P99),
    };

    private static double? Round(double? value, int digits = 2) => value is { } v && double.IsFinite(v) ? Math.Round(v, digits) : null;

    private static double? LoadAverage()
    {
        var text = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg") : "";
        return double.TryParse(text.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : null;
    }
}
