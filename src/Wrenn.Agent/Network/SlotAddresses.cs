using System.Buffers.Binary;
using System.Globalization;
using System.Net;

namespace Wrenn.Agent.Network;

/// <summary>
/// The names and addresses of network slot <see cref="Index"/>: namespace <c>wrenn-N</c>, a veth pair
/// <c>wrenn-N-h</c> (host) / <c>eth0</c> (sandbox), and a /31 out of the slot range. <c>wrenn-</c> is the
/// agent's name prefix (<see cref="NetworkOptions.NamePrefix"/>), so agents sharing a machine name theirs apart.
/// </summary>
public sealed record SlotAddresses(int Index, string NamespaceName, string HostVeth, string SandboxVethTemporaryName, IPAddress HostAddress, IPAddress SandboxAddress)
{
    public const int PrefixLength = 31;

    public const string SandboxInterface = "eth0";

    /// <summary>The name prefix of an agent that is not told otherwise (WRENN_NAME_PREFIX).</summary>
    public const string DefaultNamePrefix = "wrenn-";

    /// <summary>The longest network interface name Linux takes (IFNAMSIZ less its terminating zero).</summary>
    public const int MaxInterfaceNameLength = 15;

    /// <summary>What the longest of a slot's interface names adds to the prefix: the host end's "-h" (and the sandbox end's "-s").</summary>
    private const string HostVethSuffix = "-h";

    /// <summary>Where iproute2 keeps named network namespaces.</summary>
    public string NamespacePath => "/var/run/netns/" + NamespaceName;

    /// <summary>How many slots the range holds.</summary>
    public static int Capacity(IPNetwork range) =>
        range.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || range.PrefixLength > 31
            ? 0
            : (int)Math.Min(int.MaxValue, (1L << (32 - range.PrefixLength)) / 2);

    /// <summary>The longest host-end veth name any slot of <paramref name="range"/> gets under <paramref name="prefix"/>.</summary>
    public static int LongestInterfaceName(string prefix, IPNetwork range) =>
        prefix.Length + Math.Max(1, Capacity(range) - 1).ToString(CultureInfo.InvariantCulture).Length + HostVethSuffix.Length;

    public static SlotAddresses For(int index, IPNetwork range, string prefix = DefaultNamePrefix)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Capacity(range));
        var baseValue = BinaryPrimitives.ReadUInt32BigEndian(range.BaseAddress.GetAddressBytes());
        var hostValue = baseValue + (uint)(2 * index);
        var name = prefix + index.ToString(CultureInfo.InvariantCulture);
        return new SlotAddresses(index, name, name + HostVethSuffix, name + "-s", ToAddress(hostValue), ToAddress(hostValue + 1));
    }

    private static IPAddress ToAddress(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
