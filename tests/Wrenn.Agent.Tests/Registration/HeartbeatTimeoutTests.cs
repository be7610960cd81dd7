using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Registration;

namespace Wrenn.Agent.Tests.Registration;

/// <summary>
/// A control plane that does not answer in time, as behind a cut network link (packets dropped, nothing refused): the
/// heartbeat is missed, not thrown. Before the fix the HttpClient's timeout escaped the heartbeat loop, stopped the
/// agent's host and, with --destroy-on-stop, destroyed every sandbox on the host.
/// </summary>
public sealed class HeartbeatTimeoutTests
{
    [Fact]
    public async Task A_heartbeat_the_control_plane_never_answers_is_missed_not_thrown()
    {
        using var handler = new SilentHandler();
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromMilliseconds(200) };
        var client = new ControlPlaneClient(http, NullLogger<ControlPlaneClient>.Instance);
        var credentials = new HostCredentials("host-0123456789abcdef", "token", "secret", "http://127.0.0.1:1", "127.0.0.1:2");
        var specs = new HostSpecsMessage("x64", 2, 4096, 10000, "container", "test");

        var answer = await client.HeartbeatAsync(credentials, new HeartbeatRequestMessage("127.0.0.1:2", specs, 0, 0, 0), TestContext.Current.CancellationToken);

        Assert.Null(answer);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task A_heartbeat_cancelled_because_the_agent_stops_still_ends_with_the_cancellation()
    {
        using var handler = new SilentHandler();
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(5) };
        var client = new ControlPlaneClient(http, NullLogger<ControlPlaneClient>.Instance);
        var credentials = new HostCredentials("host-0123456789abcdef", "token", "secret", "http://127.0.0.1:1", "127.0.0.1:2");
        var specs = new HostSpecsMessage("x64", 2, 4096, 10000, "container", "test");
        using var stopping = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.HeartbeatAsync(credentials, new HeartbeatRequestMessage("127.0.0.1:2", specs, 0, 0, 0), stopping.Token));
    }
}
