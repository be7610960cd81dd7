using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Wrenn.Agent.Network;
using Wrenn.Agent.Runtimes.Container;
using Wrenn.Agent.Runtimes.Qemu;
using Wrenn.Agent.Storage.Cow;
using Wrenn.Common.Configuration;

namespace Wrenn.Agent.Configuration;

/// <summary>
/// The settings that let several agents share one machine (test hosts, docs/multihost-testing.md): every name and
/// range an agent uses outside its own $WRENN_DIR. Unset, each keeps today's default, so a lone agent is unchanged.
/// Each value is checked when read, and a bad one stops the agent at start with a line naming the variable.
/// </summary>
public static partial class HostSharingSettings
{
    /// <summary>Prefix of network namespaces, veths, iptables chains (upper-cased) and device-mapper devices.</summary>
    public const string NamePrefix = "WRENN_NAME_PREFIX";

    /// <summary>The IPv4 range carved into one /31 per sandbox slot.</summary>
    public const string SlotCidr = "WRENN_SLOT_CIDR";

    /// <summary>The cgroup container sandboxes go under; VMs go under it with "-qemu" added.</summary>
    public const string CgroupParent = "WRENN_CGROUP_PARENT";

    /// <summary>The OCI runtime's state directory (its --root).</summary>
    public const string OciStateDirectory = "WRENN_OCI_STATE_DIR";

    /// <summary>What the QEMU runtime's cgroup parent is, next to the container runtime's (/wrenn → /wrenn-qemu).</summary>
    public const string QemuCgroupSuffix = "-qemu";

    /// <summary>Fewer slots than this is no host; a /16 (32768) is the default and plenty.</summary>
    private const int MinSlotPrefixLength = 8;

    private const int MaxSlotPrefixLength = 30;

    public static IServiceCollection AddHostSharingSettings(this IServiceCollection services, SettingReader settings)
    {
        services.AddOptions<NetworkOptions>().Configure(network =>
        {
            if (settings.Get(SlotCidr) is { } cidr)
            {
                network.SlotCidr = ParseSlotCidr(cidr);
            }

            if (settings.Get(NamePrefix) is { } prefix)
            {
                network.NamePrefix = prefix;
            }

            // Checked with the range it goes with: the longest interface name depends on how many slots there are.
            CheckNamePrefix(network.NamePrefix, network.SlotCidr);
        });
        services.AddOptions<RootfsCowOptions>().Configure(cow =>
        {
            if (settings.Get(NamePrefix) is { } prefix)
            {
                cow.DevicePrefix = prefix;
            }
        });
        services.AddOptions<ContainerRuntimeOptions>().Configure(container =>
        {
            if (settings.Get(CgroupParent) is { } parent)
            {
                container.CgroupParent = ParseCgroupParent(parent);
            }

            if (settings.Get(OciStateDirectory) is { } directory)
            {
                container.OciStateDirectory = ParseStateDirectory(directory);
            }
        });
        services.AddOptions<QemuRuntimeOptions>().Configure(qemu =>
        {
            if (settings.Get(CgroupParent) is { } parent)
            {
                qemu.CgroupParent = ParseCgroupParent(parent) + QemuCgroupSuffix;
            }
        });
        return services;
    }

    /// <summary>
    /// An IPv4 network in CIDR form with no bits set past its prefix, /8 to /30. Whether it overlaps a network the
    /// machine uses (or another agent's range) cannot be told from here; docs/configuration.md says to pick one that does not.
    /// </summary>
    public static IPNetwork ParseSlotCidr(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0
            || !IPNetwork.TryParse(value, out var network)
            || network.BaseAddress.AddressFamily != AddressFamily.InterNetwork
            || !IPAddress.TryParse(value[..slash], out var written)
            || !network.BaseAddress.Equals(written)
            || network.PrefixLength is < MinSlotPrefixLength or > MaxSlotPrefixLength)
        {
            throw new InvalidOperationException(
                $"{SlotCidr} must be an IPv4 range from /{MinSlotPrefixLength} to /{MaxSlotPrefixLength} with no bits set after the prefix, like 10.12.0.0/16, not '{value}'");
        }

        return network;
    }

    /// <summary>
    /// Lower-case letters, digits and dashes, starting with a letter and ending in a letter and a dash, holding "wrenn"
    /// (scripts/leak-check.sh and `ip netns list | grep wrenn` find what any agent left), and short enough that the
    /// longest veth name of <paramref name="range"/> fits Linux's 15 characters. Ending in letter-dash keeps names
    /// apart: "wrenn-" + "12" can never be "wrenn-1" + "2", nor a device of "wrenn-a-" one of "wrenn-"'s.
    /// </summary>
    public static void CheckNamePrefix(string prefix, IPNetwork range)
    {
        if (!PrefixShape().IsMatch(prefix) || !prefix.Contains("wrenn", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"{NamePrefix} must be lower-case letters, digits and dashes holding 'wrenn', starting with a letter and ending in a letter and a dash (like wrenn-a-), not '{prefix}'");
        }

        var longest = SlotAddresses.LongestInterfaceName(prefix, range);
        if (longest > SlotAddresses.MaxInterfaceNameLength)
        {
            throw new InvalidOperationException(
                $"{NamePrefix} '{prefix}' is too long for {SlotCidr} {range}: its veths would be named with up to {longest} characters and Linux takes {SlotAddresses.MaxInterfaceNameLength} (shorten the prefix or narrow the range)");
        }
    }

    /// <summary>An absolute cgroup path of plain names (no "." or ".."), without a trailing slash; not the root.</summary>
    public static string ParseCgroupParent(string value)
    {
        var trimmed = value.TrimEnd('/');
        var segments = trimmed.Split('/');
        if (!value.StartsWith('/') || segments.Length < 2 || segments.Skip(1).Any(s => !CgroupSegment().IsMatch(s) || s is "." or ".."))
        {
            throw new InvalidOperationException($"{CgroupParent} must be an absolute cgroup path of letters, digits, '.', '_' and '-' below the root, like /wrenn, not '{value}'");
        }

        return trimmed;
    }

    /// <summary>An absolute directory path; the OCI runtime makes it when it is missing.</summary>
    public static string ParseStateDirectory(string value) =>
        Path.IsPathFullyQualified(value) && !value.Split('/').Contains("..")
            ? Path.TrimEndingDirectorySeparator(value)
            : throw new InvalidOperationException($"{OciStateDirectory} must be an absolute directory path, like /run/wrenn-a/runc, not '{value}'");

    [GeneratedRegex("^[a-z]([a-z0-9-]*[a-z])?-$")]
    private static partial Regex PrefixShape();

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex CgroupSegment();
}
