using System.Diagnostics;
using System.Net.Sockets;

namespace Wrenn.E2E.Tests;

/// <summary>
/// A stand-in for the internet that the test makes and removes itself: a network namespace joined to
/// the host by a veth pair on a documentation range (TEST-NET-2) by default, with an HTTP server and a
/// UDP listener in it. Sandbox egress tests talk to it and never to a real outside address. A test may
/// put it on another /24 (a private range, to stand in for an operator's internal network).
/// </summary>
public sealed class InternetNamespace : IAsyncDisposable
{
    public const string HostAddress = "198.51.100.1";
    public const string ServerAddress = "198.51.100.2";
    public const int ServerPort = 8080;

    /// <summary>Where the UDP listener logs every datagram as "udp &lt;source address&gt; &lt;payload&gt;".</summary>
    public const int UdpPort = 9999;

    private readonly string _name;
    private readonly string _webRoot;
    private Process? _server;
    private readonly System.Text.StringBuilder _serverLog = new();

    private Process? _udpListener;

    private InternetNamespace(string suffix, string network)
    {
        _name = "wrenn-inet-" + suffix;
        HostLink = "wrenn-t" + suffix;
        Gateway = network + ".1";
        Server = network + ".2";
        _webRoot = Directory.CreateTempSubdirectory("wrenn-inet-").FullName;
    }

    public string HostLink { get; }

    /// <summary>The host's address on the link (where masqueraded sandbox traffic comes from).</summary>
    public string Gateway { get; }

    /// <summary>The servers' address.</summary>
    public string Server { get; }

    /// <summary>What the server logged: one line per request, starting with the client's address.</summary>
    public string ServerLog
    {
        get
        {
            lock (_serverLog)
            {
                return _serverLog.ToString();
            }
        }
    }

    /// <summary>Starts it on TEST-NET-2 (198.51.100.0/24), or on <paramref name="network"/>.0/24 (three octets).</summary>
    public static async Task<InternetNamespace> StartAsync(string page, string network = "198.51.100")
    {
        var inet = new InternetNamespace(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)), network);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(inet._webRoot, "hello"), page);
            Run("ip", "netns", "add", inet._name);
            Run("ip", "link", "add", inet.HostLink, "type", "veth", "peer", "name", "eth0", "netns", inet._name);
            Run("ip", "addr", "add", inet.Gateway + "/24", "dev", inet.HostLink);
            Run("ip", "link", "set", inet.HostLink, "up");
            Run("ip", "-n", inet._name, "addr", "add", inet.Server + "/24", "dev", "eth0");
            Run("ip", "-n", inet._name, "link", "set", "eth0", "up");
            Run("ip", "-n", inet._name, "link", "set", "lo", "up");

            var port = ServerPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            inet._server = inet.StartInNamespace("python3", "-u", "-m", "http.server", port, "--bind", inet.Server);
            inet._udpListener = inet.StartInNamespace(
                "python3",
                "-u",
                "-c",
                "import socket,sys\n"
                + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                + $"s.bind(('{inet.Server}', {UdpPort}))\n"
                + "while True:\n"
                + "    data, source = s.recvfrom(2048)\n"
                + "    print('udp', source[0], data.decode(errors='replace'))\n");
            await inet.WaitUntilServingAsync();
            return inet;
        }
        catch
        {
            await inet.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in new[] { _server, _udpListener })
        {
            if (process is { HasExited: false })
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            process?.Dispose();
        }

        // Deleting the namespace takes the veth pair with it.
        TryRun("ip", "netns", "delete", _name);
        TryRun("ip", "link", "delete", HostLink);
        Directory.Delete(_webRoot, recursive: true);
    }

    /// <summary>Runs a program in the namespace, its output going to <see cref="ServerLog"/>.</summary>
    private Process StartInNamespace(params string[] command)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = _webRoot };
        foreach (var argument in new[] { "netns", "exec", _name }.Concat(command))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_serverLog)
        {
            _serverLog.AppendLine(line);
        }
    }

    private async Task WaitUntilServingAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(Server, ServerPort);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException("the test's internet server did not start: " + ServerLog);
    }

    private static void Run(string program, params string[] arguments)
    {
        var (code, error) = Execute(program, arguments);
        if (code != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({code}): {error}");
        }
    }

    private static void TryRun(string program, params string[] arguments) => Execute(program, arguments);

    private static (int Code, string Error) Execute(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }
}
