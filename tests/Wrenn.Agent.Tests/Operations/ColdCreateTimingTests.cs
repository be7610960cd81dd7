using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Operations;

/// <summary>
/// Every finished create logs one line with each step's duration, in the format the bench parses. With
/// WRENN_COLD_CREATES=N the test makes N sandboxes one after another on an agent with prepared slots and
/// disks and N on one without, alternating so both see the same machine load, and prints each step's p50
/// (to WRENN_COLD_REPORT if set): a measurement for people, never an assertion on time.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class ColdCreateTimingTests
{
    [Fact]
    public async Task A_finished_create_logs_one_line_with_every_steps_duration()
    {
        var ct = TestContext.Current.CancellationToken;
        var count = int.TryParse(Environment.GetEnvironmentVariable("WRENN_COLD_CREATES"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1;
        var coldLog = new CapturedLog();
        var preparedLog = new CapturedLog();
        await using var cold = new AgentUnderTest(new NoStepFaults(), services => services.AddLogging(logging => logging.AddProvider(coldLog)));
        await using var prepared = new AgentUnderTest(new NoStepFaults(), services =>
        {
            services.AddLogging(logging => logging.AddProvider(preparedLog));
            PreparedResources.TurnOn(services);
        });
        await PreparedResources.StartAsync(prepared, ct);

        var coldIds = new List<string>();
        var preparedIds = new List<string>();
        for (var i = 0; i < count; i++)
        {
            coldIds.Add(await CreateAndDestroyAsync(cold, ct));

            // Like a host between bursts: the ready set is full again before the next create.
            await PreparedResources.WaitUntilFullAsync(prepared, ct);
            preparedIds.Add(await CreateAndDestroyAsync(prepared, ct));
        }

        var report = new StringBuilder();
        foreach (var (name, log, ids) in new[] { ("prepared off", coldLog, coldIds), ("prepared on", preparedLog, preparedIds) })
        {
            var lines = ids.Select(id => log.Lines.Single(l => l.Contains("create " + id + " took ", StringComparison.Ordinal))).ToList();
            var timings = lines.Select(l => StepTimingLine.ParseSteps(l) ?? throw new InvalidOperationException("unparsable: " + l)).ToList();
            foreach (var steps in timings)
            {
                Assert.Contains(steps, s => s.Name == "sandbox.directory");
                Assert.Contains(steps, s => s.Name is "network.namespace" or "network.prepared");
                Assert.Contains(steps, s => s.Name == "container.run");
                Assert.Contains(steps, s => s.Name == "envd.ready");
                Assert.All(steps, s => Assert.True(s.ElapsedMs >= 0));
            }

            var totals = lines.Select(l => double.Parse(l[(l.IndexOf(" took ", StringComparison.Ordinal) + 6)..l.IndexOf(" ms: ", StringComparison.Ordinal)], CultureInfo.InvariantCulture)).ToList();
            report.AppendLine(CultureInfo.InvariantCulture, $"{count} create(s), {name}; p50 per step (ms):");
            foreach (var step in timings[0].Select(s => s.Name))
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"  {step,-28} {Median(timings.Select(t => t.Where(s => s.Name == step).Sum(s => s.ElapsedMs))),8:F1}");
            }

            report.AppendLine(CultureInfo.InvariantCulture, $"  {"total",-28} {Median(totals),8:F1}");
            foreach (var line in lines)
            {
                report.AppendLine(line);
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
        if (Environment.GetEnvironmentVariable("WRENN_COLD_REPORT") is { Length: > 0 } path)
        {
            await File.WriteAllTextAsync(path, report.ToString(), ct);
        }
    }

    private static async Task<string> CreateAndDestroyAsync(AgentUnderTest agent, CancellationToken ct)
    {
        var spec = new CreateSandboxSpec(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>());
        await agent.Manager.CreateAsync(spec, ct);
        await agent.Manager.DestroyAsync(spec.SandboxId, ct);
        return spec.SandboxId;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
