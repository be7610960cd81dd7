using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Telemetry;

namespace Wrenn.Agent.Tests.Telemetry;

/// <summary>With a tracer listening, every step of an operation is a span under the call that ran it (docs/operations.md).</summary>
public sealed class StepSpanTests
{
    [Fact]
    public async Task Each_step_is_a_span_named_by_the_step_under_the_calls_span()
    {
        var ct = TestContext.Current.CancellationToken;
        var operation = "create sb-" + Guid.NewGuid().ToString("N")[..12];
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is AgentActivities.SourceName or "StepSpanTests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var callSource = new ActivitySource("StepSpanTests");
        var stepBody = TimeSpan.Zero;
        using (var call = callSource.StartActivity("CreateSandbox"))
        {
            Assert.NotNull(call);
            await using var rollback = new RollbackList(operation, NullLogger.Instance, new NoStepFaults());
            await rollback.StepAsync("network", _ => Task.CompletedTask, _ => Task.CompletedTask, ct);
            await rollback.StepAsync(
                "container.run",
                async _ =>
                {
                    var started = Stopwatch.GetTimestamp();
                    await Task.Delay(5, ct);
                    stepBody = Stopwatch.GetElapsedTime(started);
                },
                _ => Task.CompletedTask,
                ct);
            rollback.Commit();
        }

        var callSpan = Assert.Single(stopped, a => a.Source.Name == "StepSpanTests" && a.OperationName == "CreateSandbox");
        var steps = stopped.Where(a => Equals(a.GetTagItem("wrenn.operation"), operation)).ToList();
        Assert.Equal(["network", "container.run"], steps.Select(s => s.OperationName));
        Assert.All(steps, step => Assert.Equal((callSpan.TraceId, callSpan.SpanId), (step.TraceId, step.ParentSpanId)));

        // The span covers the step's work (not a fixed figure: a 5 ms delay can end a little early by the span's clock).
        Assert.True(steps[1].Duration + TimeSpan.FromMilliseconds(1) >= stepBody, $"span {steps[1].Duration} < step {stepBody}");
    }
}
