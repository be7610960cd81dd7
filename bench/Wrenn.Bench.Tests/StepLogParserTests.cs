using Wrenn.Bench.Steps;

namespace Wrenn.Bench.Tests;

public class StepLogParserTests
{
    [Fact]
    public void Reads_the_agents_step_line_as_the_console_logger_writes_it()
    {
        var log = new[]
        {
            "info: Wrenn.Agent.Sandboxes.SandboxManager[0]",
            "      create sbx-7f3a took 212.4 ms: network=35.1 disk=20.0 rootfs=12.5 runtime=120.3 envd=24.5",
            "info: Wrenn.Agent.Sandboxes.SandboxManager[0]",
            "      sandbox sbx-7f3a is running",
        };

        var operation = Assert.Single(StepLogParser.ParseAll(log));

        Assert.Equal("create", operation.Kind);
        Assert.Equal("sbx-7f3a", operation.Subject);
        Assert.Equal(212.4, operation.TotalMs);
        Assert.Equal(["network", "disk", "rootfs", "runtime", "envd"], operation.Steps.Select(s => s.Name));
        Assert.Equal(120.3, operation.Steps[3].Ms);
    }

    [Fact]
    public void Reads_the_line_with_a_single_line_console_prefix_and_a_two_word_operation()
    {
        var operation = StepLogParser.Parse("info: Wrenn.Agent.Storage.Cow.FileCopyRootfsCowProvider[0] reattach rootfs sbx-1 took 3.0 ms: copy=2.5");

        Assert.NotNull(operation);
        Assert.Equal("reattach", operation.Kind);
        Assert.Equal("rootfs sbx-1", operation.Subject);
        Assert.Equal(new StepTiming("copy", 2.5), Assert.Single(operation.Steps));
    }

    [Theory]
    [InlineData("      create sbx-1 took 12.0 ms")]
    [InlineData("      the build took 12.0 ms: a lot of time")]
    [InlineData("      create sbx-1 took 12.0 ms: network=fast")]
    [InlineData("info: Wrenn.Agent.Sandboxes.SandboxManager[0]")]
    public void Ignores_lines_that_are_not_step_lines(string line) => Assert.Null(StepLogParser.Parse(line));

    [Fact]
    public void The_step_table_gives_each_steps_p50_in_the_order_steps_ran_and_leaves_other_operations_out()
    {
        var operations = StepLogParser.ParseAll(
        [
            "      create a took 30.0 ms: network=10.0 runtime=20.0",
            "      create b took 50.0 ms: network=30.0 runtime=20.0",
            "      create c took 40.0 ms: network=20.0 runtime=20.0 retry=5.0",
            "      resume a took 9.0 ms: thaw=9.0",
        ]);

        var table = StepTable.From("create", operations);

        Assert.Equal(3, table.Operations);
        Assert.Equal(["network", "runtime", "retry"], table.Rows.Select(r => r.Step));
        Assert.Equal(20.0, table.Rows[0].P50);
        Assert.Equal(1, table.Rows[2].Count);
        Assert.Equal(40.0, table.Total.P50);
        Assert.Contains(table.Format(), line => line.Contains("network", StringComparison.Ordinal) && line.Contains("20.0ms", StringComparison.Ordinal));
    }
}
