using System.Net;
using System.Net.Sockets;

namespace Wrenn.Agent.Tests.Registration;

/// <summary>
/// A control plane that, on each heartbeat, dials the agent's port first, as a control plane does once the host is
/// ready, and remembers whether anything listened there; it answers as the real one does.
/// </summary>
public sealed class ListenProbeHandler(int agentPort) : HttpMessageHandler
{
    private readonly TaskCompletionSource<bool> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether the agent's port accepted a connection when the first heartbeat arrived.</summary>
    public Task<bool> FirstHeartbeatFoundServer => _first.Task;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        bool listening;
        using (var client = new TcpClient())
        {
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, agentPort, cancellationToken);
                listening = true;
            }
            catch (SocketException)
            {
                listening = false;
            }
        }

        _first.TrySetResult(listening);
        return new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent("{\"heartbeat_interval_sec\": 30, \"host_token\": \"token\"}", System.Text.Encoding.UTF8, "application/json"),
        };
    }
}
