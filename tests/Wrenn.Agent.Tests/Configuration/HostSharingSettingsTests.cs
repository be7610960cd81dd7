using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Configuration;
using Wrenn.Agent.Network;
using Wrenn.Agent.Runtimes.Container;
using Wrenn.Agent.Runtimes.Qemu;
using Wrenn.Agent.Storage.Cow;
using Wrenn.Common.Configuration;

namespace Wrenn.Agent.Tests.Configuration;

/// <summary>
/// Everything an agent names outside its $WRENN_DIR comes from WRENN_* settings, so two agents can share a machine;
/// unset, every name is what a lone agent has always used; a bad value stops the agent naming the variable.
/// </summary>
public sealed class HostSharingSettingsTests
{
    [Fact]
    public void The_variables_name_everything_the_agent_makes_on_the_machine()
    {
        using var services = Provider(new()
        {
            [HostSharingSettings.NamePrefix] = "wrenn-a-",
            [HostSharingSettings.SlotCidr] = "10.40.0.0/20",
            [HostSharingSettings.CgroupParent] = "/wrenn-a/",
            [HostSharingSettings.OciStateDirectory] = "/run/wrenn-a/runc/",
        });

        var network = services.GetRequiredService<IOptions<NetworkOptions>>().Value;
        var container = services.GetRequiredService<IOptions<ContainerRuntimeOptions>>().Value;

        Assert.Equal("wrenn-a-", network.NamePrefix);
        Assert.Equal(IPNetwork.Parse("10.40.0.0/20"), network.SlotCidr);
        Assert.Equal("/wrenn-a", container.CgroupParent);
        Assert.Equal("/wrenn-a-qemu", services.GetRequiredService<IOptions<QemuRuntimeOptions>>().Value.CgroupParent);
        Assert.Equal("/run/wrenn-a/runc", container.OciStateDirectory);
        Assert.Equal("wrenn-a-", services.GetRequiredService<IOptions<RootfsCowOptions>>().Value.DevicePrefix);
    }

    [Fact]
    public void Unset_variables_keep_the_names_a_lone_agent_has_always_used()
    {
        using var services = Provider([]);

        var network = services.GetRequiredService<IOptions<NetworkOptions>>().Value;
        var container = services.GetRequiredService<IOptions<ContainerRuntimeOptions>>().Value;

        Assert.Equal("wrenn-", network.NamePrefix);
        Assert.Equal(IPNetwork.Parse("10.12.0.0/16"), network.SlotCidr);
        Assert.Equal("/wrenn", container.CgroupParent);
        Assert.Equal("/wrenn-qemu", services.GetRequiredService<IOptions<QemuRuntimeOptions>>().Value.CgroupParent);
        Assert.Null(container.OciStateDirectory);
        Assert.Equal("wrenn-", services.GetRequiredService<IOptions<RootfsCowOptions>>().Value.DevicePrefix);
    }

    [Theory]
    [InlineData("WRENN_NAME_PREFIX", "a-")] // without "wrenn", the leak check and `ip netns list | grep wrenn` miss it
    [InlineData("WRENN_NAME_PREFIX", "wrenn")] // no dash: wrenn12 would be slot 12 of "wrenn" and slot 2 of "wrenn1"
    [InlineData("WRENN_NAME_PREFIX", "wrenn-1-")] // a digit before the dash: wrenn-1-2 vs wrenn- slot 1's names
    [InlineData("WRENN_NAME_PREFIX", "Wrenn-")]
    [InlineData("WRENN_NAME_PREFIX", "wrenn-a b-")]
    [InlineData("WRENN_NAME_PREFIX", "wrenn-abc-")] // 10 + 5 digits + "-h" is past Linux's 15 for a /16
    [InlineData("WRENN_SLOT_CIDR", "10.12.0.1/16")]
    [InlineData("WRENN_SLOT_CIDR", "10.12.0.0")]
    [InlineData("WRENN_SLOT_CIDR", "10.12.0.0/31")]
    [InlineData("WRENN_SLOT_CIDR", "fd00::/64")]
    [InlineData("WRENN_CGROUP_PARENT", "wrenn")]
    [InlineData("WRENN_CGROUP_PARENT", "/")]
    [InlineData("WRENN_CGROUP_PARENT", "/wrenn/../system.slice")]
    [InlineData("WRENN_CGROUP_PARENT", "/wrenn a")]
    [InlineData("WRENN_OCI_STATE_DIR", "run/runc")]
    [InlineData("WRENN_OCI_STATE_DIR", "/run/../etc")]
    public void A_bad_value_stops_the_agent_naming_the_variable(string variable, string value)
    {
        using var services = Provider(new() { [variable] = value });

        var ex = Assert.Throws<InvalidOperationException>(() =>
        {
            _ = services.GetRequiredService<IOptions<NetworkOptions>>().Value;
            _ = services.GetRequiredService<IOptions<ContainerRuntimeOptions>>().Value;
            _ = services.GetRequiredService<IOptions<QemuRuntimeOptions>>().Value;
        });

        Assert.StartsWith(variable, ex.Message, StringComparison.Ordinal);
        Assert.Contains(value, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_longer_prefix_fits_a_narrower_slot_range()
    {
        using var services = Provider(new()
        {
            [HostSharingSettings.NamePrefix] = "wrenn-abc-",
            [HostSharingSettings.SlotCidr] = "10.40.0.0/24",
        });

        var network = services.GetRequiredService<IOptions<NetworkOptions>>().Value;

        Assert.Equal("wrenn-abc-127-h", SlotAddresses.For(127, network.SlotCidr, network.NamePrefix).HostVeth);
    }

    private static ServiceProvider Provider(Dictionary<string, string> values) =>
        new ServiceCollection()
            .AddHostSharingSettings(new SettingReader(name => values.GetValueOrDefault(name)))
            .BuildServiceProvider();
}
