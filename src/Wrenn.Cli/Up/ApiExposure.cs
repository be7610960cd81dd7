using System.Net;
using Wrenn.Common.Configuration;

namespace Wrenn.Cli.Up;

/// <summary>
/// Where `wrenn up` puts the control plane's API: on loopback unless told otherwise, since a
/// single-node platform's API key and admin account need not be reachable from other machines.
/// </summary>
public static class ApiExposure
{
    public const string DefaultListenAddress = "127.0.0.1:8000";

    /// <summary>--listen, else $WRENN_CP_LISTEN_ADDR, else loopback.</summary>
    public static string ListenAddress(string? flag) =>
        flag ?? WrennEnvironment.Get(WrennEnvironment.ControlPlaneListenAddress, DefaultListenAddress);

    public static bool IsLoopbackOnly(ListenAddress address) =>
        address.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(address.Host, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>The line `wrenn up` prints about who can reach the API, and how to change it.</summary>
    public static string Describe(ListenAddress address) =>
        IsLoopbackOnly(address)
            ? $"only this machine (loopback); to serve others: wrenn up --listen :{address.Port} (or {WrennEnvironment.ControlPlaneListenAddress}=:{address.Port}), ideally behind TLS"
            : $"every machine that can reach {address} (not loopback); sign-up is WRENN_SIGNUP (closed unless set); for this machine only: --listen 127.0.0.1:{address.Port}";
}
