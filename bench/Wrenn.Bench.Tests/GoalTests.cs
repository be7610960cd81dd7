using Wrenn.Bench.Goals;
using Wrenn.Bench.Report;

namespace Wrenn.Bench.Tests;

public class GoalTests
{
    [Fact]
    public void Every_row_of_the_issue_table_is_there_once_with_todays_figure()
    {
        string[] rows = ["warm-create", "warm-first-exec", "cold-first-exec", "concurrent", "exec-true", "pause-resume", "envd", "idle-cost", "qemu"];

        Assert.Equal(rows, IssueGoals.All.Select(g => g.Row).Distinct());
        Assert.Equal(IssueGoals.All.Count, IssueGoals.All.Select(g => g.Key).Distinct().Count());
        Assert.All(IssueGoals.All, g => Assert.False(string.IsNullOrWhiteSpace(g.Today)));
        Assert.All(IssueGoals.All, g => Assert.Contains(g.Row, BenchRunner.All.Select(m => m.Row)));
    }

    [Fact]
    public void A_ratio_goal_is_judged_against_the_baseline_and_unknown_without_one()
    {
        var cold = IssueGoals.Get("cold_first_exec_p50");

        Assert.True(cold.IsMet(99, 100));
        Assert.False(cold.IsMet(101, 100));
        Assert.Null(cold.IsMet(50, null));
    }

    [Fact]
    public void Exec_true_is_judged_by_the_milliseconds_over_fork_exec()
    {
        var line = new GoalLine(IssueGoals.Get("exec_true_p50"), new Figure("exec_true_p50", 8.0, 3.5), null);

        Assert.Equal(true, line.Met);
        Assert.Equal("+4.5 ms over 3.5 ms", line.VersusText);
        Assert.Equal(false, (line with { Figure = new Figure("exec_true_p50", 9.0, 3.4) }).Met);
    }

    [Fact]
    public void A_rate_goal_needs_at_least_the_target()
    {
        var rate = IssueGoals.Get("concurrent_rate");

        Assert.True(rate.IsMet(20, null));
        Assert.False(rate.IsMet(19.9, null));
    }

    [Fact]
    public void A_skipped_row_says_why_in_place_of_its_figure()
    {
        var line = new GoalLine(IssueGoals.Get("warm_create_p50"), null, "pool not available: no pooled sandbox appeared in 70 s");

        Assert.Null(line.Met);
        Assert.Equal("-", line.NewText);
        Assert.Equal("pool not available: no pooled sandbox appeared in 70 s", line.VersusText);
    }
}
