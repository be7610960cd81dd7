using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Wrenn.Envd.Ports;

/// <summary>
/// E2B's envd makes servers that listen on localhost only (127.0.0.1 or ::1, as many development servers
/// do by default) reachable from outside the sandbox, so that <c>getHost(port)</c> works for them too.
/// This does the same: every <see cref="EnvdOptions.PortScanInterval"/> it reads the listening sockets,
/// starts a <see cref="PortRelay"/> for each new localhost-only port, and stops the relay of a port
/// nothing listens on any more. A port that also listens on a wildcard address needs no relay.
/// </summary>
public sealed class LocalPortForwarder(IOptions<EnvdOptions> options, ILogger<LocalPortForwarder> logger) : BackgroundService
{
    private readonly Dictionary<(IPAddress Address, int Port), PortRelay> _relays = [];

    /// <summary>Set once netlink has been refused: the scans read /proc from then on.</summary>
    private bool _procOnly;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ForwardLocalhostPorts)
        {
            return;
        }

        logger.ForwardingTo(options.Value.ForwardAddresses.Count > 0 ? string.Join(", ", options.Value.ForwardAddresses) : "the sandbox's addresses");
        using var timer = new PeriodicTimer(options.Value.PortScanInterval);
        try
        {
            do
            {
                await ScanAsync().ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // envd stops.
        }
        finally
        {
            foreach (var relay in _relays.Values)
            {
                await relay.DisposeAsync().ConfigureAwait(false);
            }

            _relays.Clear();
        }
    }

    private async Task ScanAsync()
    {
        List<LocalListener> listeners;
        try
        {
            listeners = ReadListeners();
        }
        catch (IOException ex)
        {
            logger.ListenersUnreadable(ex);
            return;
        }

        var wildcardPorts = listeners.Where(l => l.Address.Equals(IPAddress.Any) || l.Address.Equals(IPAddress.IPv6Any)).Select(l => l.Port).ToHashSet();
        var wanted = listeners
            .Where(l => IsLocalhost(l.Address) && !wildcardPorts.Contains(l.Port))
            .Select(l => (Address: l.Address.IsIPv4MappedToIPv6 ? l.Address.MapToIPv4() : l.Address, l.Port))
            .Distinct()
            .ToList();

        foreach (var key in _relays.Keys.Where(k => !wanted.Contains(k)).ToList())
        {
            logger.StoppedForwarding(key.Port, key.Address);
            await _relays[key].DisposeAsync().ConfigureAwait(false);
            _relays.Remove(key);
        }

        List<IPAddress>? forwardTo = null;
        foreach (var key in wanted.Where(k => !_relays.ContainsKey(k)))
        {
            // One relay per port: a server on both 127.0.0.1 and ::1 is reached through the first.
            if (_relays.Keys.Any(k => k.Port == key.Port))
            {
                continue;
            }

            // Read only when there is something new to forward: most scans find nothing.
            forwardTo ??= ForwardAddresses();
            if (PortRelay.Start(new IPEndPoint(key.Address, key.Port), forwardTo, logger) is { } relay)
            {
                logger.Forwarding(key.Port, string.Join(", ", forwardTo), key.Address);
                _relays[key] = relay;
            }
        }
    }

    /// <summary>
    /// Over netlink (<see cref="SockDiag"/>: microseconds); from /proc/net/tcp (<see cref="ProcNetTcp"/>: 15–25 ms of
    /// kernel time per scan on a host with a large connection table) only where netlink is refused, as it was before.
    /// </summary>
    private List<LocalListener> ReadListeners()
    {
        if (!_procOnly)
        {
            try
            {
                return SockDiag.ReadListeners();
            }
            catch (IOException ex)
            {
                logger.SockDiagUnavailable(ex);
                _procOnly = true;
            }
        }

        return ProcNetTcp.ReadListeners();
    }

    private List<IPAddress> ForwardAddresses() =>
        options.Value.ForwardAddresses.Count > 0
            ? options.Value.ForwardAddresses
            : [.. NetworkInterface.GetAllNetworkInterfaces()
                .Where(i => i.OperationalStatus != OperationalStatus.Down && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))];

    private static bool IsLocalhost(IPAddress address) =>
        address.Equals(IPAddress.Loopback) || address.Equals(IPAddress.IPv6Loopback)
        || (address.IsIPv4MappedToIPv6 && address.MapToIPv4().Equals(IPAddress.Loopback));
}
