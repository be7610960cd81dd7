using System.Net;
using Wrenn.Agent.Network;

namespace Wrenn.Agent.Tests.Network;

public sealed class SlotAddressesTests
{
    private static readonly IPNetwork Range = IPNetwork.Parse("10.12.0.0/16");

    [Fact]
    public void Slot_0_is_the_first_31()
    {
        var slot = SlotAddresses.For(0, Range);
        Assert.Equal("wrenn-0", slot.NamespaceName);
        Assert.Equal("wrenn-0-h", slot.HostVeth);
        Assert.Equal(IPAddress.Parse("10.12.0.0"), slot.HostAddress);
        Assert.Equal(IPAddress.Parse("10.12.0.1"), slot.SandboxAddress);
    }

    [Fact]
    public void Slots_carry_across_octets()
    {
        var slot = SlotAddresses.For(200, Range);
        Assert.Equal(IPAddress.Parse("10.12.1.144"), slot.HostAddress);
        Assert.Equal(IPAddress.Parse("10.12.1.145"), slot.SandboxAddress);
    }

    [Fact]
    public void A_16_holds_32768_slots_and_no_more()
    {
        Assert.Equal(32768, SlotAddresses.Capacity(Range));
        var last = SlotAddresses.For(32767, Range);
        Assert.Equal(IPAddress.Parse("10.12.255.255"), last.SandboxAddress);
        Assert.Throws<ArgumentOutOfRangeException>(() => SlotAddresses.For(32768, Range));
    }

    [Fact]
    public void Interface_names_fit_the_kernel_limit_of_15_characters()
    {
        var last = SlotAddresses.For(SlotAddresses.Capacity(Range) - 1, Range);
        Assert.True(last.HostVeth.Length <= 15, last.HostVeth);
        Assert.True(last.SandboxVethTemporaryName.Length <= 15, last.SandboxVethTemporaryName);
    }
}
