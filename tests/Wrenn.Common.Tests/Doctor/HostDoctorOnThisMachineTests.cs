using System.Net;
using System.Net.Sockets;
using Wrenn.Common.Doctor;

namespace Wrenn.Common.Tests.Doctor;

/// <summary>The real probes on this machine, which runs the test suite's sandboxes: nothing required may be missing here.</summary>
public sealed class HostDoctorOnThisMachineTests
{
    [Fact]
    public async Task This_machine_has_everything_the_container_runtime_needs()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "the agent's checks are a root's view");
        var dir = Directory.CreateTempSubdirectory("wrenn-doctor-").FullName;
        try
        {
            var settings = new DoctorSettings(dir, "container", "container", null, "auto", "auto", [new("control plane", "WRENN_CP_LISTEN_ADDR", "127.0.0.1:0")], null);

            var report = await HostDoctor.ForThisHost().RunAsync(settings, TestContext.Current.CancellationToken);

            Assert.True(report.IsHealthy, string.Join("\n", report.Missing));
            Assert.Equal(CheckStatus.Ok, report.Results.Single(r => r.Check == "oci runtime").Status);
            Assert.Contains(dir, report.Results.Single(r => r.Check == "disk space").Detail, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_port_this_test_holds_is_reported_taken_by_this_process()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var settings = new DoctorSettings("/tmp", "container", "container", null, "auto", "auto", [new("control plane", "WRENN_CP_LISTEN_ADDR", $"127.0.0.1:{port}")], null);

        var result = await new Wrenn.Common.Doctor.Checks.PortsCheck().RunAsync(settings, new HostProbe(), TestContext.Current.CancellationToken);

        Assert.Equal(CheckStatus.Missing, result.Status);
        Assert.Contains($"pid {Environment.ProcessId}", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_answers_the_ssl_request_like_postgres_is_reachable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serve = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken);
            var request = new byte[8];
            await client.GetStream().ReadExactlyAsync(request, TestContext.Current.CancellationToken);
            await client.GetStream().WriteAsync("N"u8.ToArray(), TestContext.Current.CancellationToken);
            return request;
        }, TestContext.Current.CancellationToken);

        var failure = await new HostProbe().ProbePostgresAsync("127.0.0.1", port, TestContext.Current.CancellationToken);

        Assert.Null(failure);
        Assert.Equal(new byte[] { 0, 0, 0, 8, 4, 210, 22, 47 }, await serve);
    }

    [Fact]
    public async Task A_listener_that_is_not_postgres_is_not_taken_for_one_and_a_closed_port_is_refused()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accept = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken);
            await client.GetStream().WriteAsync("HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray(), TestContext.Current.CancellationToken);
        }, TestContext.Current.CancellationToken);

        var notPostgres = await new HostProbe().ProbePostgresAsync("127.0.0.1", port, TestContext.Current.CancellationToken);
        await accept;
        listener.Stop();
        var closed = await new HostProbe().ProbePostgresAsync("127.0.0.1", port, TestContext.Current.CancellationToken);

        Assert.Equal("something answers there, but not as PostgreSQL", notPostgres);
        Assert.NotNull(closed);
    }
}
