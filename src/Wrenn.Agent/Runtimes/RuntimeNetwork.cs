using System.Net;

namespace Wrenn.Agent.Runtimes;

/// <summary>The network the sandbox manager prepared: a namespace with the sandbox end of a veth in it.</summary>
public sealed record RuntimeNetwork(
    string NamespacePath,
    IPAddress SandboxAddress,
    IPAddress Gateway,
    int PrefixLength,
    IReadOnlyList<IPAddress> Nameservers)
{
    /// <summary>No network: a VM paused to disk, whose slot was given back.</summary>
    public static RuntimeNetwork Detached { get; } = new(string.Empty, IPAddress.None, IPAddress.None, 0, []);
}
