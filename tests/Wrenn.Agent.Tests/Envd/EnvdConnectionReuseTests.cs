using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Envd;
using Wrenn.Agent.Network;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Envd;

/// <summary>
/// Slot addresses are reused, and a VM that is killed (paused, destroyed) closes none of the agent's connections to
/// its envd. A create from a template once hung for good in /init: the next VM at that address was sent requests
/// on the dead one's pooled connections. Connections opened for one sandbox (or one start of it) are never used
/// for another; a pool claim, the same envd behind the same slot, keeps them.
/// </summary>
public sealed class EnvdConnectionReuseTests
{
    [Fact]
    public async Task A_second_sandbox_at_the_same_address_gets_a_connection_of_its_own()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var envd = await CountingEnvd.StartAsync(ct);
        using var http = new HttpClient(EnvdHttpHandler.Create());
        var client = new EnvdClient(http, Microsoft.Extensions.Options.Options.Create(new EnvdClientOptions()), NullLogger<EnvdClient>.Instance);
        var first = SandboxAt(envd.Address);
        var second = SandboxAt(envd.Address);

        await WaitHealthyAsync(client, first, ct);
        await WaitHealthyAsync(client, first, ct);
        await WaitHealthyAsync(client, second, ct);

        // The first sandbox's two requests share a connection; the second sandbox's request has its own.
        Assert.Equal([0, 0, 1], envd.ConnectionOfEachRequest);
    }

    [Fact]
    public async Task A_sandbox_given_a_slot_again_does_not_use_the_connections_of_its_last_start()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var envd = await CountingEnvd.StartAsync(ct);
        using var http = new HttpClient(EnvdHttpHandler.Create());
        var client = new EnvdClient(http, Microsoft.Extensions.Options.Options.Create(new EnvdClientOptions()), NullLogger<EnvdClient>.Instance);
        var sandbox = SandboxAt(envd.Address);

        await WaitHealthyAsync(client, sandbox, ct);
        sandbox.Slot = null;
        sandbox.Slot = Slot(envd.Address); // a VM paused and resumed: a new start, maybe at the same address
        await WaitHealthyAsync(client, sandbox, ct);

        Assert.Equal([0, 1], envd.ConnectionOfEachRequest);
    }

    [Fact]
    public void A_claim_keeps_the_pooled_sandboxs_connections_and_the_address_is_the_slots()
    {
        var address = IPAddress.Parse("10.12.0.7");
        var pooled = SandboxAt(address);
        var claimed = new Sandbox(pooled.Spec, pooled.Directory) { Slot = pooled.Slot, EnvdConnectionKey = pooled.EnvdConnectionKey };

        Assert.Equal(pooled.EnvdUri, claimed.EnvdUri);
        Assert.Equal(address, EnvdHostName.AddressOf(claimed.EnvdUri!.Host));
        Assert.Equal(new IPEndPoint(address, EnvdClient.Port), claimed.EnvdAddress);
    }

    [Theory]
    [InlineData("10-12-0-7.0a1b2c3d4e5f.envd", "10.12.0.7")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("10-12-0-7.envd", null)]
    [InlineData("10-12-0-7.a.b.envd", null)]
    [InlineData("example.com", null)]
    [InlineData("10-12-0-700.key.envd", null)]
    public void Only_names_the_agent_makes_and_literal_addresses_are_connected_to(string host, string? expected)
    {
        Assert.Equal(expected, EnvdHostName.AddressOf(host)?.ToString());
    }

    private static Task WaitHealthyAsync(EnvdClient client, Sandbox sandbox, CancellationToken ct) =>
        client.WaitUntilHealthyAsync(sandbox.EnvdUri!, TimeSpan.FromSeconds(30), _ => Task.FromResult(true), ct);

    private static Sandbox SandboxAt(IPAddress address) =>
        new(new CreateSandboxSpec(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>()), "/nonexistent") { Slot = Slot(address) };

    private static SlotAddresses Slot(IPAddress address) => new(0, "wrenn-test-0", "wrenn-test-0-h", "wrenn-test-0-s", IPAddress.Loopback, address);

    /// <summary>An "envd" on a loopback address at envd's port that answers /health and notes which connection each request came on.</summary>
    private sealed class CountingEnvd : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<int> _requests = [];
        private readonly List<Task> _connections = [];
        private Task _accepting = Task.CompletedTask;

        private CountingEnvd(TcpListener listener, IPAddress address)
        {
            _listener = listener;
            Address = address;
        }

        public IPAddress Address { get; }

        public int[] ConnectionOfEachRequest
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        public static Task<CountingEnvd> StartAsync(CancellationToken ct)
        {
            // Somewhere in 127/8 where nothing else listens on envd's port.
            for (var attempt = 0; ; attempt++)
            {
                var address = new IPAddress([127, 0, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(2, 255)]);
                var listener = new TcpListener(address, EnvdClient.Port);
                try
                {
                    listener.Start();
                }
                catch (SocketException) when (attempt < 20)
                {
                    listener.Dispose();
                    continue;
                }

                var envd = new CountingEnvd(listener, address);
                envd._accepting = envd.AcceptAsync(ct);
                return Task.FromResult(envd);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            await Task.WhenAll(_connections).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            _stop.Dispose();
        }

        private async Task AcceptAsync(CancellationToken ct)
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
            for (var index = 0; ; index++)
            {
                var client = await _listener.AcceptTcpClientAsync(both.Token);
                _connections.Add(ServeAsync(client, index, both.Token));
            }
        }

        private async Task ServeAsync(TcpClient client, int connection, CancellationToken ct)
        {
            using (client)
            {
                var stream = client.GetStream();
                var buffer = new byte[4096];
                var pending = new StringBuilder();
                while (true)
                {
                    var read = await stream.ReadAsync(buffer, ct);
                    if (read == 0)
                    {
                        return;
                    }

                    pending.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    int end;
                    while ((end = pending.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                    {
                        pending.Remove(0, end + 4);
                        lock (_requests)
                        {
                            _requests.Add(connection);
                        }

                        await stream.WriteAsync("HTTP/1.1 204 No Content\r\n\r\n"u8.ToArray(), ct);
                    }
                }
            }
        }
    }
}
