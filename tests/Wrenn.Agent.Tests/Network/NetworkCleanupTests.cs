using Wrenn.Agent.Network;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Tests.Network;

/// <summary>Removing what is already gone is not an error: cleanup can run twice, and races with the kernel.</summary>
public sealed class NetworkCleanupTests
{
    [Theory]
    [InlineData("RTNETLINK answers: No such device")]
    [InlineData("Cannot find device \"wrenn-3-h\"")]
    [InlineData("Cannot remove namespace file \"/var/run/netns/wrenn-3\": No such file or directory")]
    public void Errors_that_mean_already_gone_count_as_success(string error) =>
        Assert.True(SandboxNetworkManager.IsMissing(new CommandResult(2, string.Empty, error)));

    [Theory]
    [InlineData("RTNETLINK answers: Operation not permitted")]
    [InlineData("RTNETLINK answers: Device or resource busy")]
    public void Real_failures_are_not_hidden(string error) =>
        Assert.False(SandboxNetworkManager.IsMissing(new CommandResult(2, string.Empty, error)));
}
