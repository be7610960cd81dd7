using System.Diagnostics;
using System.Net.Sockets;

namespace Wrenn.E2E.Tests;

/// <summary>
/// A stand-in for the internet that the test makes and removes itself: a network namespace joined to
/// the host by a veth pair on a documentation range (TEST-NET-2), with an HTTP server in it. Sandbox
/// egress tests talk to it and never to a real outside address.
/// </summary>
public sealed class InternetNamespace : IAsyncDisposable
{
    public const string HostAddress = "198.51.100.1";
    public const string ServerAddress = "198.51.100.2";
    public const int ServerPort = 8080;

    private readonly string _name;
    private readonly string _webRoot;
    private Process? _server;
    private readonly System.Text.StringBuilder _serverLog = new();

    private InternetNamespace(string suffix)
    {
        _name = "wrenn-inet-" + suffix;
        HostLink = "wrenn-t" + suffix;
        _webRoot = Directory.CreateTempSubdirectory("wrenn-inet-").FullName;
    }

    public string HostLink { get; }

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

    public static async Task<InternetNamespace> StartAsync(string page)
    {
        var inet = new InternetNamespace(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)));
        try
        {
            await File.WriteAllTextAsync(Path.Combine(inet._webRoot, "hello"), page);
            Run("ip", "netns", "add", inet._name);
            Run("ip", "link", "add", inet.HostLink, "type", "veth", "peer", "name", "eth0", "netns", inet._name);
            Run("ip", "addr", "add", HostAddress + "/24", "dev", inet.HostLink);
            Run("ip", "link", "set", inet.HostLink, "up");
            Run("ip", "-n", inet._name, "addr", "add", ServerAddress + "/24", "dev", "eth0");
            Run("ip", "-n", inet._name, "link", "set", "eth0", "up");
            Run("ip", "-n", inet._name, "link", "set", "lo", "up");

            var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = inet._webRoot };
            foreach (var argument in new[] { "netns", "exec", inet._name, "python3", "-u", "-m", "http.server", ServerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", ServerAddress })
            {
                start.ArgumentList.Add(argument);
            }

            inet._server = Process.Start(start)!;
            inet._server.ErrorDataReceived += (_, e) => inet.Append(e.Data);
            inet._server.OutputDataReceived += (_, e) => inet.Append(e.Data);
            inet._server.BeginErrorReadLine();
            inet._server.BeginOutputReadLine();
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
        if (_server is { HasExited: false })
        {
            _server.Kill();
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
        // Deleting the namespace takes the veth pair with it.
        TryRun("ip", "netns", "delete", _name);
        TryRun("ip", "link", "delete", HostLink);
        Directory.Delete(_webRoot, recursive: true);
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
                await client.ConnectAsync(ServerAddress, ServerPort);
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
