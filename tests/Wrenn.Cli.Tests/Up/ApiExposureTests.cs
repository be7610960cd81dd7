using Wrenn.Cli.Up;
using Wrenn.Common.Configuration;

namespace Wrenn.Cli.Tests.Up;

/// <summary>`wrenn up` keeps the API on loopback unless told otherwise, and says how to expose it.</summary>
public sealed class ApiExposureTests
{
    [Fact]
    public void Without_a_flag_or_variable_the_API_listens_on_loopback_only()
    {
        if (Environment.GetEnvironmentVariable(WrennEnvironment.ControlPlaneListenAddress) is { Length: > 0 })
        {
            Assert.Skip("WRENN_CP_LISTEN_ADDR is set in this environment");
        }

        var address = ListenAddress.Parse(ApiExposure.ListenAddress(null));
        Assert.True(ApiExposure.IsLoopbackOnly(address));
        Assert.Equal("127.0.0.1:8000", address.ToString());
        Assert.Contains("--listen :8000", ApiExposure.Describe(address), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(":8000", false)]
    [InlineData("0.0.0.0:8000", false)]
    [InlineData("10.0.0.7:8000", false)]
    [InlineData("127.0.0.1:9000", true)]
    [InlineData("[::1]:9000", true)]
    [InlineData("localhost:9000", true)]
    public void A_flag_wins_and_anything_but_loopback_is_called_exposed(string flag, bool loopback)
    {
        var address = ListenAddress.Parse(ApiExposure.ListenAddress(flag));
        Assert.Equal(loopback, ApiExposure.IsLoopbackOnly(address));
        Assert.Contains(loopback ? "loopback" : "not loopback", ApiExposure.Describe(address), StringComparison.Ordinal);
    }
}
