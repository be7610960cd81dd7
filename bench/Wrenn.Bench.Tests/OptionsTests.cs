namespace Wrenn.Bench.Tests;

public class OptionsTests
{
    [Fact]
    public void Only_takes_rows_separated_by_commas_or_repeated()
    {
        var options = BenchOptions.Parse(["--only", "envd,exec-true", "--only", "qemu", "--runs", "3"]);

        Assert.True(options.Includes("qemu"));
        Assert.True(options.Includes("envd"));
        Assert.False(options.Includes("warm-create"));
        Assert.Equal(3, options.Runs);
    }

    [Fact]
    public void Without_only_every_row_runs() => Assert.True(BenchOptions.Parse([]).Includes("concurrent"));

    [Theory]
    [InlineData("--runs", "0")]
    [InlineData("--runs", "many")]
    [InlineData("--pool-depth", "-1")]
    [InlineData("--frobnicate", "1")]
    public void Bad_arguments_are_refused(string name, string value) =>
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse([name, value]));

    [Fact]
    public void An_option_without_its_value_is_refused() => Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--runs"]));
}
