using System.Net;
using System.Net.Sockets;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Tests.Os;

/// <summary>Starting a program with one of the agent's sockets as its fd 3, and nothing else of the agent's.</summary>
public sealed class ListenSocketSpawnTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("wrenn-spawn-test-").FullName;

    [Fact]
    public async Task The_child_gets_the_socket_as_fd_3_and_no_other_descriptor_of_the_agents()
    {
        var ct = TestContext.Current.CancellationToken;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen();
        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var output = Path.Combine(_base, "out");

        var exit = await ListenSocketSpawn.RunAsync(
            "/bin/sh",
            ["-c", "readlink /proc/$$/fd/3; echo ---; for fd in /proc/$$/fd/*; do readlink $fd; done; echo ---; grep '^SigIgn' /proc/$$/status"],
            socket.SafeHandle,
            output,
            ct);

        Assert.Equal(0, exit);
        var parts = File.ReadAllText(output).Split("---\n");
        Assert.Equal(Link(socket), parts[0].Trim());
        var links = parts[1].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(links, l => l == Link(socket));
        Assert.DoesNotContain(Link(other), links);

        // .NET ignores SIGPIPE; a program it starts must not inherit that.
        var ignored = ulong.Parse(parts[2].Trim()["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        const int SigPipe = 13;
        Assert.Equal(0UL, ignored & (1UL << (SigPipe - 1)));
    }

    private static string Link(Socket socket) => new FileInfo($"/proc/self/fd/{socket.SafeHandle.DangerousGetHandle()}").LinkTarget!;

    [Fact]
    public async Task The_exit_code_is_the_programs()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var exit = await ListenSocketSpawn.RunAsync("/bin/sh", ["-c", "echo failing >&2; exit 7"], socket.SafeHandle, Path.Combine(_base, "out"), TestContext.Current.CancellationToken);
        Assert.Equal(7, exit);
        Assert.Equal("failing", File.ReadAllText(Path.Combine(_base, "out")).Trim());
    }

    [Fact]
    public async Task Without_a_socket_the_output_goes_to_the_descriptor_given_and_the_child_has_no_fd_3()
    {
        var ct = TestContext.Current.CancellationToken;
        var output = Path.Combine(_base, "given");
        int exit;
        using (var handle = File.OpenHandle(output, FileMode.Create, FileAccess.Write))
        {
            exit = await ListenSocketSpawn.RunAsync(
                "/bin/sh",
                ["-c", "echo out; echo err >&2; ls /proc/$$/fd"],
                passed: null,
                output: handle,
                ct);
        }

        Assert.Equal(0, exit);
        var lines = File.ReadAllLines(output);
        Assert.Equal(["out", "err"], lines[..2]);

        // stdin, stdout, stderr and the descriptor ls itself opens to list them: nothing of the agent's.
        Assert.DoesNotContain("3", lines[2..]);
        Assert.Contains("0", lines[2..]);
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);
}
