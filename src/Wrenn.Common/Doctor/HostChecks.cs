using Wrenn.Common.Doctor.Checks;

namespace Wrenn.Common.Doctor;

/// <summary>Every host check, in the order `wrenn doctor` prints them.</summary>
public static class HostChecks
{
    public static IReadOnlyList<IHostCheck> All() =>
    [
        new RuntimeCheck(),
        new OverlayfsCheck(),
        new UserNamespacesCheck(),
        new WrennDirAccessCheck(),
        new NetworkNamespacesCheck(),
        new VethCheck(),
        new TunCheck(),
        new CgroupsCheck(),
        new OciRuntimeCheck(),
        new CrunCheck(),
        new QemuCheck(),
        new GuestKernelCheck(),
        new FirecrackerCheck(),
        new KvmCheck(),
        new FirewallCheck(),
        new IprouteCheck(),
        new LxcfsCheck(),
        new DiskSpaceCheck(),
        new PortsCheck(),
        new DatabaseCheck(),
        new ClockCheck(),
    ];
}
