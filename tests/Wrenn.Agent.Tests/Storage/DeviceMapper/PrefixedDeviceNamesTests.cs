using Wrenn.Agent.Storage.DeviceMapper;

namespace Wrenn.Agent.Tests.Storage.DeviceMapper;

/// <summary>
/// An agent's start removes the device-mapper devices under its prefix that no sandbox of its own holds; a device of
/// another agent on the machine whose prefix begins with this one's (wrenn-a- under wrenn-) is not among them.
/// </summary>
public sealed class PrefixedDeviceNamesTests
{
    [Theory]
    [InlineData("wrenn-sb-0123456789abcdef", "wrenn-", true)]
    [InlineData("wrenn-a-sb-0123456789abcdef", "wrenn-a-", true)]
    [InlineData("wrenn-a-sb-0123456789abcdef", "wrenn-", false)]
    [InlineData("wrenn-sb-sb-0123456789abcdef", "wrenn-", false)]
    [InlineData("wrenn-sb-0123456789abcdef", "wrenn-a-", false)]
    [InlineData("vg0-root", "wrenn-", false)]
    [InlineData("wrenn-", "wrenn-", false)]
    public void A_device_is_ours_only_when_a_single_sandbox_id_follows_our_prefix(string device, string prefix, bool ours)
    {
        Assert.Equal(ours, DeviceMapperRootfsCowProvider.IsOurs(device, prefix));
    }
}
