using Wrenn.Common.Naming;

namespace Wrenn.Common.Tests.Naming;

public sealed class SafeNameTests
{
    [Theory]
    [InlineData("minimal")]
    [InlineData("python-3.12")]
    [InlineData("my_template.v2")]
    [InlineData("0abc")]
    public void Accepts_plain_names(string name) => Assert.True(SafeName.IsValid(name));

    [Theory]
    [InlineData("")]
    [InlineData(".hidden")]
    [InlineData("-flag")]
    [InlineData("a/b")]
    [InlineData("../etc")]
    [InlineData("a..b")]
    [InlineData("Upper")]
    [InlineData("with space")]
    [InlineData("semi;colon")]
    [InlineData("new\nline")]
    [InlineData("minimal\n")]
    [InlineData("nul\0")]
    public void Rejects_names_that_could_escape_a_path_or_a_command(string name) => Assert.False(SafeName.IsValid(name));

    [Fact]
    public void Rejects_names_longer_than_63_characters()
    {
        Assert.True(SafeName.IsValid(new string('a', 63)));
        Assert.False(SafeName.IsValid(new string('a', 64)));
    }

    [Fact]
    public void Require_names_the_rule_it_broke()
    {
        var error = Assert.Throws<ArgumentException>(() => SafeName.Require("../x", "template"));
        Assert.Contains("template", error.Message, StringComparison.Ordinal);
        Assert.Contains("lower-case", error.Message, StringComparison.Ordinal);
    }
}
