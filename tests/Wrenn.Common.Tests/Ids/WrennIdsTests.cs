using Wrenn.Common.Ids;

namespace Wrenn.Common.Tests.Ids;

public sealed class WrennIdsTests
{
    [Fact]
    public void New_ids_have_their_prefix_and_16_lower_hex_digits()
    {
        Assert.Matches("^sb-[0-9a-f]{16}$", WrennIds.NewSandboxId());
        Assert.Matches("^tpl-[0-9a-f]{16}$", WrennIds.NewTemplateId());
        Assert.Matches("^team-[0-9a-f]{16}$", WrennIds.NewTeamId());
        Assert.Matches("^host-[0-9a-f]{16}$", WrennIds.NewHostId());
    }

    [Fact]
    public void Api_keys_are_wrn_and_32_hex_digits()
    {
        var key = WrennIds.NewApiKey();
        Assert.Matches("^wrn_[0-9a-f]{32}$", key);
        Assert.True(WrennIds.IsApiKey(key));
    }

    [Fact]
    public void Ids_do_not_repeat()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => WrennIds.NewSandboxId()).ToHashSet();
        Assert.Equal(10_000, ids.Count);
    }

    [Theory]
    [InlineData("sb-0123456789abcdef", true)]
    [InlineData("sb-0123456789ABCDEF", false)]
    [InlineData("sb-0123456789abcde", false)]
    [InlineData("sb-0123456789abcdef0", false)]
    [InlineData("tpl-0123456789abcdef", false)]
    [InlineData("sb-../../etc/passwd", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsSandboxId_accepts_only_the_exact_shape(string? value, bool expected) =>
        Assert.Equal(expected, WrennIds.IsSandboxId(value));
}
