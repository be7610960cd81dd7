using System.Text.Json.Nodes;
using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;
using Wrenn.Bench.Steps;

namespace Wrenn.Bench.Measurements;

/// <summary>
/// The cold create step table: the agent logs one step-timing line per finished operation (see
/// <see cref="StepLogParser"/>); this reads the cold platform's agent.log, makes cold creates of its
/// own if the rows before it did not make <c>--runs</c> of them, and prints each step's p50.
/// </summary>
public sealed class ColdSteps : IMeasurement
{
    public string Row => "cold-steps";

    public string Title => "cold create, per step (agent log)";

    public PlatformKind Platform => PlatformKind.Cold;

    public async Task<RowResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var platform = await context.Platforms.GetAsync(Platform, cancellationToken);
        var log = Path.Combine(platform.WrennDir, "logs", "agent.log");
        var creates = Read(log).Count(o => o.Kind == "create");
        var client = new SandboxClient(platform.Http);
        for (var i = creates; i < context.Options.Runs; i++)
        {
            await CreateThenExec.TimeAsync(client, "minimal", cancellationToken);
        }

        // The line is written when the create commits; give the logger a moment to flush.
        await Task.Delay(500, cancellationToken);
        var operations = Read(log);
        if (!operations.Any(o => o.Kind == "create"))
        {
            return RowResult.Skip(Row, Title, "not available: the agent logs no step-timing line (added on branch s16/cold)");
        }

        var tables = operations.Select(o => o.Kind).Distinct().Select(kind => StepTable.From(kind, operations)).OrderBy(t => t.Kind == "create" ? 0 : 1).ToList();
        return new RowResult(Row, Title)
        {
            Lines = [.. tables.SelectMany(t => t.Format())],
            Details = new JsonObject
            {
                ["tables"] = new JsonArray([.. tables.Select(t => (JsonNode)new JsonObject
                {
                    ["kind"] = t.Kind,
                    ["operations"] = t.Operations,
                    ["steps"] = new JsonArray([.. t.Rows.Append(t.Total).Select(r => (JsonNode)new JsonObject
                    {
                        ["step"] = r.Step,
                        ["n"] = r.Count,
                        ["p50_ms"] = Math.Round(r.P50, 2),
                        ["p95_ms"] = Math.Round(r.P95, 2),
                    })]),
                })]),
            },
        };
    }

    private static IReadOnlyList<OperationTiming> Read(string log)
    {
        if (!File.Exists(log))
        {
            return [];
        }

        // The agent still writes to it: open for reading without locking it out.
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return StepLogParser.ParseAll(lines);
    }
}
