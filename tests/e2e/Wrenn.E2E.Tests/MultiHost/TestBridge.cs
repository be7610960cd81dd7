using System.Globalization;

namespace Wrenn.E2E.Tests.MultiHost;

/// <summary>
/// A network the test makes for its hosts: a bridge in the machine's own namespace holding <see cref="Gateway"/> (where
/// the control plane listens), and per host a network namespace joined to it by a veth pair, with its own address and
/// a default route through the bridge. Traffic between the control plane and an agent in a host namespace crosses the
/// bridge like a real network. The range is private (172.29.19.0/24), as a data-centre network is, so the sandboxes'
/// firewall keeps them off it. Everything is named with "wrenn-mh" (leak-check finds it) and removed on dispose.
/// </summary>
public sealed class TestBridge : IAsyncDisposable
{
    public const string Network = "172.29.19";

    public const string Gateway = Network + ".1";

    private readonly List<string> _namespaces = [];
    private bool _bridgeMade;

    private TestBridge(string suffix) => Bridge = "wrenn-mh" + suffix;

    /// <summary>The bridge's name (its byte counters show the traffic that crossed it).</summary>
    public string Bridge { get; }

    /// <summary>Each host's network namespace, by host index.</summary>
    public IReadOnlyList<string> Namespaces => _namespaces;

    /// <summary>Host <paramref name="index"/>'s address on the bridge.</summary>
    public static string HostAddress(int index) => Network + "." + (10 + index).ToString(CultureInfo.InvariantCulture);

    public static async Task<TestBridge> CreateAsync(int hosts, CancellationToken cancellationToken)
    {
        var bridge = new TestBridge(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2))[..3]);
        try
        {
            await HarnessCommand.RunAsync("ip", ["link", "add", bridge.Bridge, "type", "bridge"], cancellationToken);
            bridge._bridgeMade = true;
            await HarnessCommand.RunAsync("ip", ["addr", "add", Gateway + "/24", "dev", bridge.Bridge], cancellationToken);
            await HarnessCommand.RunAsync("ip", ["link", "set", bridge.Bridge, "up"], cancellationToken);
            for (var index = 0; index < hosts; index++)
            {
                var name = bridge.Bridge + "-" + index.ToString(CultureInfo.InvariantCulture);
                var veth = bridge.Bridge + "v" + index.ToString(CultureInfo.InvariantCulture);
                await HarnessCommand.RunAsync("ip", ["netns", "add", name], cancellationToken);
                bridge._namespaces.Add(name);
                await HarnessCommand.RunAsync("ip", ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", name], cancellationToken);
                await HarnessCommand.RunAsync("ip", ["link", "set", veth, "master", bridge.Bridge, "up"], cancellationToken);
                await HarnessCommand.RunAsync("ip", ["-n", name, "addr", "add", HostAddress(index) + "/24", "dev", "eth0"], cancellationToken);
                await HarnessCommand.RunAsync("ip", ["-n", name, "link", "set", "eth0", "up"], cancellationToken);
                await HarnessCommand.RunAsync("ip", ["-n", name, "link", "set", "lo", "up"], cancellationToken);
                await HarnessCommand.RunAsync("ip", ["-n", name, "route", "add", "default", "via", Gateway], cancellationToken);
            }

            return bridge;
        }
        catch
        {
            await bridge.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Cuts host <paramref name="index"/> off the network (its veth's bridge end down: packets vanish, as when a cable is
    /// pulled, rather than being refused), or joins it again.
    /// </summary>
    public Task SetLinkAsync(int index, bool up, CancellationToken cancellationToken) =>
        HarnessCommand.RunAsync("ip", ["link", "set", Bridge + "v" + index.ToString(CultureInfo.InvariantCulture), up ? "up" : "down"], cancellationToken);

    /// <summary>Bytes the bridge has carried both ways so far.</summary>
    public long BytesCarried()
    {
        var statistics = Path.Combine("/sys/class/net", Bridge, "statistics");
        return long.Parse(File.ReadAllText(Path.Combine(statistics, "rx_bytes")).Trim(), CultureInfo.InvariantCulture)
            + long.Parse(File.ReadAllText(Path.Combine(statistics, "tx_bytes")).Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>Removes the host namespaces (their veths, and whatever an agent left in them, go with them) and the bridge.</summary>
    public async ValueTask DisposeAsync()
    {
        for (var index = 0; index < _namespaces.Count; index++)
        {
            // The veth first: a deleted namespace lives on (with the veth's peer in it) while sockets in it wait out
            // TIME_WAIT, up to a minute after the agent stopped; deleting one end of a veth removes both at once.
            await HarnessCommand.RunQuietlyAsync("ip", ["link", "delete", Bridge + "v" + index.ToString(CultureInfo.InvariantCulture)]);
            await HarnessCommand.RunQuietlyAsync("ip", ["netns", "delete", _namespaces[index]]);
        }

        _namespaces.Clear();
        if (_bridgeMade)
        {
            await HarnessCommand.RunQuietlyAsync("ip", ["link", "delete", Bridge]);
            _bridgeMade = false;
        }
    }
}
