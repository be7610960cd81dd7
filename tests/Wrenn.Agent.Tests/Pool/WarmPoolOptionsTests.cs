using Wrenn.Agent.Pool;

namespace Wrenn.Agent.Tests.Pool;

public sealed class WarmPoolOptionsTests
{
    [Fact]
    public void Parses_template_with_optional_vcpus_and_memory()
    {
        var targets = WarmPoolOptions.Parse(" minimal=4, minimal:2:1024=2 ,tpl-0123456789abcdef:1=1");
        Assert.Equal(
            [
                new WarmPoolTarget(new PoolKey("minimal", 1, 512), 4),
                new WarmPoolTarget(new PoolKey("minimal", 2, 1024), 2),
                new WarmPoolTarget(new PoolKey("tpl-0123456789abcdef", 1, 512), 1),
            ],
            targets);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("off")]
    [InlineData("0")]
    public void Unset_empty_or_off_is_no_pool(string? value) => Assert.Empty(WarmPoolOptions.Parse(value));

    [Theory]
    [InlineData("minimal")]
    [InlineData("minimal=0")]
    [InlineData("minimal=65")]
    [InlineData("minimal=x")]
    [InlineData("=2")]
    [InlineData("minimal:0=2")]
    [InlineData("minimal:1:abc=2")]
    [InlineData("minimal:1:512:9=2")]
    [InlineData("minimal=1,minimal:1:512=2")]
    public void Refuses_what_is_not_the_grammar(string value) =>
        Assert.Throws<FormatException>(() => WarmPoolOptions.Parse(value));
}
