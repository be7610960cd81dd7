using System.Net;
using System.Net.Sockets;

namespace Wrenn.Envd.Tests.Hosting;

/// <summary>
/// The agent binds envd's listening socket before envd starts and passes it as fd 3 with LISTEN_FDS=1
/// (and LISTEN_PID), so that its first request waits in the backlog instead of polling for envd's port.
/// </summary>
public sealed class SocketActivationTests
{
    /// <summary>Lists a command's environment and which of its descriptors are sockets.</summary>
    private static readonly Protocol.Process.StartRequest ShowInheritance =
        ConnectTestClient.Command("sh", "-c", "env; for fd in /proc/self/fd/*; do echo \"$fd -> $(readlink $fd)\"; done");

    [Fact]
    public async Task Envd_serves_the_passed_socket_without_binding_its_own_and_commands_inherit_neither_socket_nor_variables()
    {
        var ct = TestContext.Current.CancellationToken;
        var ownPort = FreeTcpPort.OnLoopback();
        await using var envd = await RunningEnvd.StartWithPassedSocketAsync(arguments: ["--listen", $"127.0.0.1:{ownPort}"]);

        // Sent at once, before envd has had time to start: one request, no retry, waits in the backlog.
        using (var health = await envd.Http.GetAsync(new Uri("/health", UriKind.Relative), ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, health.StatusCode);
        }

        await WaitForLineAsync(envd, "listening on the passed socket (fd 3)", ct);
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            var refused = await Assert.ThrowsAsync<SocketException>(async () => await probe.ConnectAsync(IPAddress.Loopback, ownPort, ct));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }

        var result = await new ConnectTestClient(envd.Http).StartAsync(ShowInheritance, json: false, cancellationToken: ct);
        var output = ConnectTestClient.Stdout(result.Events);
        Assert.Contains("PATH=", output, StringComparison.Ordinal);
        Assert.Contains("/proc/self/fd/0 ->", output, StringComparison.Ordinal);
        Assert.DoesNotContain("LISTEN_FDS", output, StringComparison.Ordinal);
        Assert.DoesNotContain("LISTEN_PID", output, StringComparison.Ordinal);
        Assert.DoesNotContain("socket:[", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_socket_passed_for_another_process_is_left_alone_and_envd_binds_its_own_port()
    {
        var ct = TestContext.Current.CancellationToken;
        var ownPort = FreeTcpPort.OnLoopback();
        await using var launched = await RunningEnvd.StartWithPassedSocketAsync(listenPid: "1", arguments: ["--listen", $"127.0.0.1:{ownPort}"]);
        using var own = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{ownPort}") };
        own.DefaultRequestHeaders.Add("X-Access-Token", RunningEnvd.StartToken);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode? status = null;
        while (status is null && DateTime.UtcNow < deadline && !launched.HasExited)
        {
            try
            {
                using var health = await own.GetAsync(new Uri("/health", UriKind.Relative), ct);
                status = health.StatusCode;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(20, ct);
            }
        }

        Assert.Equal(HttpStatusCode.NoContent, status);
        await WaitForLineAsync(launched, $"listening on http://127.0.0.1:{ownPort}", ct);

        var result = await new ConnectTestClient(own).StartAsync(ShowInheritance, json: false, cancellationToken: ct);
        var output = ConnectTestClient.Stdout(result.Events);
        Assert.Contains("PATH=", output, StringComparison.Ordinal);
        Assert.DoesNotContain("LISTEN_FDS", output, StringComparison.Ordinal);
        Assert.DoesNotContain("LISTEN_PID", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task More_than_one_passed_socket_is_refused_at_start()
    {
        await using var envd = await RunningEnvd.StartWithPassedSocketAsync(listenFds: "2");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!envd.HasExited)
        {
            await Task.Delay(20, timeout.Token);
        }

        Assert.Equal(2, envd.ExitCode);
        await WaitForLineAsync(envd, "LISTEN_FDS=2", TestContext.Current.CancellationToken);
    }

    /// <summary>envd's log reaches the test through a pipe and a reader thread: gives it a moment.</summary>
    private static async Task WaitForLineAsync(RunningEnvd envd, string text, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!envd.Output.Any(l => l.Contains(text, StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, cancellationToken);
        }

        Assert.Contains(envd.Output, l => l.Contains(text, StringComparison.Ordinal));
    }
}
