using System.Net;
using Wrenn.Agent.Network;

namespace Wrenn.Agent.Tests.Network;

/// <summary>WRENN_SANDBOX_EGRESS_ALLOW is checked when the agent starts: a typo must not silently open or close a range.</summary>
public sealed class EgressAllowListTests
{
    [Fact]
    public void Comma_separated_ipv4_cidrs_and_bare_addresses_are_read()
    {
        var allowed = NetworkOptions.ParseEgressAllow(" 10.20.0.0/16 , 192.168.5.10,,172.16.1.0/24");

        Assert.Equal([IPNetwork.Parse("10.20.0.0/16"), IPNetwork.Parse("192.168.5.10/32"), IPNetwork.Parse("172.16.1.0/24")], allowed);
    }

    [Fact]
    public void Empty_allows_nothing() => Assert.Empty(NetworkOptions.ParseEgressAllow(" "));

    [Theory]
    [InlineData("10.1.2.3/8")]
    [InlineData("10.0.0.0/33")]
    [InlineData("fd00::/8")]
    [InlineData("intranet")]
    [InlineData("10.0.0.0/8;192.168.0.0/16")]
    public void Anything_else_stops_the_agent_with_a_message_that_names_the_variable(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => NetworkOptions.ParseEgressAllow(value));

        Assert.Contains("WRENN_SANDBOX_EGRESS_ALLOW", error.Message, StringComparison.Ordinal);
    }
}
