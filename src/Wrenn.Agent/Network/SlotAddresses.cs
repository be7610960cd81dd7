using System.Buffers.Binary;
using System.Globalization;
using System.Net;

namespace Wrenn.Agent.Network;

/// <summary>
/// The names and addresses of network slot <see cref="Index"/>: namespace <c>wrenn-N</c>, a veth pair
/// <c>wrenn-N-h</c> (host) / <c>eth0</c> (sandbox), and a /31 out of the slot range.
/// </summary>
public sealed record SlotAddresses(int Index, string NamespaceName, string HostVeth, string SandboxVethTemporaryName, IPAddress HostAddress, IPAddress SandboxAddress)
{
    public const int PrefixLength = 31;

    public const string SandboxInterface = "eth0";

    public const string NamespacePrefix = "wrenn-";

    /// <summary>Where iproute2 keeps named network namespaces.</summary>
    public string NamespacePath => "/var/run/netns/" + NamespaceName;

    /// <summary>How many slots the range holds.</summary>
    public static int Capacity(IPNetwork range) =>
        range.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || range.PrefixLength > 31
            ? 0
            : (int)Math.Min(int.MaxValue, (1L << (32 - range.PrefixLength)) / 2);

    public static SlotAddresses For(int index, IPNetwork range)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Capacity(range));
        var baseValue = BinaryPrimitives.ReadUInt32BigEndian(range.BaseAddress.GetAddressBytes());
        var hostValue = baseValue + (uint)(2 * index);
        var name = NamespacePrefix + index.ToString(CultureInfo.InvariantCulture);
        return new SlotAddresses(index, name, name + "-h", name + "-s", ToAddress(hostValue), ToAddress(hostValue + 1));
    }

    private static IPAddress ToAddress(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
