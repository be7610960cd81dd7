using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Operations;

namespace Wrenn.Agent.Tests.Operations;

public sealed class RollbackListTests
{
    [Fact]
    public async Task Undoes_completed_steps_in_reverse_order_when_not_committed()
    {
        var log = new List<string>();
        await using (var rollback = new RollbackList("op", NullLogger.Instance, new NoStepFaults()))
        {
            await rollback.StepAsync("a", _ => Do(log, "do a"), _ => Do(log, "undo a"), TestContext.Current.CancellationToken);
            await rollback.StepAsync("b", _ => Do(log, "do b"), _ => Do(log, "undo b"), TestContext.Current.CancellationToken);
        }

        Assert.Equal(["do a", "do b", "undo b", "undo a"], log);
    }

    [Fact]
    public async Task Keeps_everything_once_committed()
    {
        var log = new List<string>();
        await using (var rollback = new RollbackList("op", NullLogger.Instance, new NoStepFaults()))
        {
            await rollback.StepAsync("a", _ => Do(log, "do a"), _ => Do(log, "undo a"), TestContext.Current.CancellationToken);
            rollback.Commit();
        }

        Assert.Equal(["do a"], log);
    }

    [Fact]
    public async Task Undoes_a_step_whose_action_failed_half_way()
    {
        var log = new List<string>();
        var rollback = new RollbackList("op", NullLogger.Instance, new NoStepFaults());
        await Assert.ThrowsAsync<IOException>(() => rollback.StepAsync(
            "half",
            _ =>
            {
                log.Add("did half");
                throw new IOException("disk on fire");
            },
            _ => Do(log, "undo half"),
            TestContext.Current.CancellationToken));

        await rollback.RollbackAsync();
        Assert.Equal(["did half", "undo half"], log);
    }

    [Fact]
    public async Task Continues_past_a_failing_undo_and_reports_every_failure()
    {
        var log = new List<string>();
        var rollback = new RollbackList("op", NullLogger.Instance, new NoStepFaults());
        await rollback.StepAsync("a", _ => Task.CompletedTask, _ => Do(log, "undo a"), TestContext.Current.CancellationToken);
        await rollback.StepAsync("b", _ => Task.CompletedTask, _ => throw new InvalidOperationException("b stuck"), TestContext.Current.CancellationToken);
        await rollback.StepAsync("c", _ => Task.CompletedTask, _ => throw new InvalidOperationException("c stuck"), TestContext.Current.CancellationToken);

        var errors = await rollback.RollbackAsync();

        Assert.Equal(["undo a"], log);
        Assert.Equal(2, errors.Count);
        Assert.Contains("c stuck", errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("b stuck", errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Undo_runs_with_a_fresh_token_even_when_the_operation_was_cancelled()
    {
        using var cancelled = new CancellationTokenSource();
        var rollback = new RollbackList("op", NullLogger.Instance, new NoStepFaults());
        var undoToken = new CancellationToken(canceled: true);
        await rollback.StepAsync("a", _ => Task.CompletedTask, ct =>
        {
            undoToken = ct;
            return Task.CompletedTask;
        }, cancelled.Token);
        await cancelled.CancelAsync();

        await rollback.RollbackAsync();

        Assert.False(undoToken.IsCancellationRequested);
    }

    [Fact]
    public async Task Fault_seam_fails_after_the_named_step_did_its_work()
    {
        var log = new List<string>();
        var faults = new FailAtStep(2);
        var rollback = new RollbackList("op", NullLogger.Instance, faults);
        await rollback.StepAsync("a", _ => Do(log, "do a"), _ => Do(log, "undo a"), TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<InjectedFaultException>(() =>
            rollback.StepAsync("b", _ => Do(log, "do b"), _ => Do(log, "undo b"), TestContext.Current.CancellationToken));

        await rollback.RollbackAsync();

        Assert.Equal("b", faults.FailedStep);
        Assert.Equal(["do a", "do b", "undo b", "undo a"], log);
    }

    [Fact]
    public async Task Rolls_back_only_once()
    {
        var undos = 0;
        var rollback = new RollbackList("op", NullLogger.Instance, new NoStepFaults());
        await rollback.StepAsync("a", _ => Task.CompletedTask, _ =>
        {
            undos++;
            return Task.CompletedTask;
        }, TestContext.Current.CancellationToken);

        await rollback.RollbackAsync();
        await rollback.DisposeAsync();

        Assert.Equal(1, undos);
    }

    [Fact]
    public async Task A_committed_operation_logs_one_line_with_each_steps_duration_in_order()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = new CapturedLog();
        using var factory = LoggerFactory.Create(logging => logging.AddProvider(log));
        var rollback = new RollbackList("create sb-1", factory.CreateLogger("test"), new NoStepFaults());
        await rollback.StepAsync("first.step", _ => Task.Delay(20, ct), _ => Task.CompletedTask, ct);
        await rollback.StepAsync("second.step", _ => Task.CompletedTask, _ => Task.CompletedTask, ct);
        Assert.Empty(log.Lines);

        rollback.Commit();
        rollback.Commit();

        var line = Assert.Single(log.Lines);
        Assert.Matches(@"create sb-1 took [0-9]+\.[0-9] ms: first\.step=[0-9]+\.[0-9] second\.step=[0-9]+\.[0-9]$", line);
        Assert.Equal(["first.step", "second.step"], rollback.Timings.Select(t => t.Name));
        Assert.True(rollback.Timings[0].ElapsedMs >= 15, "the first step slept 20 ms");
        Assert.Equal(rollback.Timings.Select(t => StepTimingLine.FormatMs(t.ElapsedMs)), StepTimingLine.ParseSteps(line)!.Select(t => StepTimingLine.FormatMs(t.ElapsedMs)));
        Assert.True(rollback.TotalMs >= rollback.Timings.Sum(t => t.ElapsedMs));
    }

    [Fact]
    public async Task A_rolled_back_operation_logs_no_timing_line()
    {
        var log = new CapturedLog();
        using var factory = LoggerFactory.Create(logging => logging.AddProvider(log));
        var rollback = new RollbackList("create sb-2", factory.CreateLogger("test"), new NoStepFaults());
        await rollback.StepAsync("a", _ => Task.CompletedTask, _ => Task.CompletedTask, TestContext.Current.CancellationToken);
        await rollback.RollbackAsync();

        Assert.DoesNotContain(log.Lines, l => l.Contains(" took ", StringComparison.Ordinal));
    }

    private static Task Do(List<string> log, string entry)
    {
        log.Add(entry);
        return Task.CompletedTask;
    }
}
