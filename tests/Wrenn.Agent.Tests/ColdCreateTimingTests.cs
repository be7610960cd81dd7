using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests;

/// <summary>
/// Every finished create logs one line with each step's duration, in the format the bench parses. With
/// WRENN_COLD_CREATES=N the test makes N sandboxes one after another and prints each step's p50 (a
/// measurement for people, never an assertion on time).
/// </summary>
[Collection(HostCollection.Name)]
public sealed class ColdCreateTimingTests
{
    [Fact]
    public async Task A_finished_create_logs_one_line_with_every_steps_duration()
    {
        var ct = TestContext.Current.CancellationToken;
        var count = int.TryParse(Environment.GetEnvironmentVariable("WRENN_COLD_CREATES"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1;
        var log = new CapturedLog();
        var prepared = Environment.GetEnvironmentVariable("WRENN_COLD_PREPARED") != "0";
        await using var agent = new AgentUnderTest(new NoStepFaults(), services =>
        {
            services.AddLogging(logging => logging.AddProvider(log));
            if (prepared)
            {
                PreparedResources.TurnOn(services);
            }
        });

        if (prepared)
        {
            await PreparedResources.StartAsync(agent, ct);
            await PreparedResources.WaitUntilFullAsync(agent, ct);
        }

        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var spec = new CreateSandboxSpec(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>());
            await agent.Manager.CreateAsync(spec, ct);
            ids.Add(spec.SandboxId);
            await agent.Manager.DestroyAsync(spec.SandboxId, ct);
            if (prepared)
            {
                // Like a host between bursts: the ready set is refilled before the next create.
                await PreparedResources.WaitUntilFullAsync(agent, ct);
            }
        }

        var lines = ids.Select(id => log.Lines.Single(l => l.Contains("create " + id + " took ", StringComparison.Ordinal))).ToList();
        var timings = lines.Select(l => StepTimingLine.ParseSteps(l) ?? throw new InvalidOperationException("unparsable: " + l)).ToList();
        foreach (var steps in timings)
        {
            Assert.Contains(steps, s => s.Name == "sandbox.directory");
            Assert.Contains(steps, s => s.Name == "container.run");
            Assert.Contains(steps, s => s.Name == "envd.ready");
            Assert.All(steps, s => Assert.True(s.ElapsedMs >= 0));
        }

        var report = new System.Text.StringBuilder();
        var totals = lines.Select(l => double.Parse(l[(l.IndexOf(" took ", StringComparison.Ordinal) + 6)..l.IndexOf(" ms: ", StringComparison.Ordinal)], CultureInfo.InvariantCulture)).ToList();
        report.AppendLine($"{count} create(s), prepared {(prepared ? "on" : "off")}; p50 per step (ms):");
        foreach (var name in timings[0].Select(s => s.Name))
        {
            report.AppendLine($"  {name,-28} {Median(timings.Select(t => t.Where(s => s.Name == name).Sum(s => s.ElapsedMs))),8:F1}");
        }

        report.AppendLine($"  {"total",-28} {Median(totals),8:F1}");
        foreach (var line in lines)
        {
            report.AppendLine(line);
        }

        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
        if (Environment.GetEnvironmentVariable("WRENN_COLD_REPORT") is { Length: > 0 } path)
        {
            await File.WriteAllTextAsync(path, report.ToString(), ct);
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
