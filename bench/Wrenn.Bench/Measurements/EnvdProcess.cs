using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Wrenn.Bench.Measurements;

/// <summary>
/// builds/envd alone on a loopback port: started, polled for its first /health the way a client that
/// cannot know when it listens must (every 0.5 ms), killed by its PID when disposed.
/// </summary>
public sealed class EnvdProcess : IAsyncDisposable
{
    private readonly Process _process;

    private EnvdProcess(Process process, int port, TimeSpan startToHealth)
    {
        _process = process;
        StartToHealth = startToHealth;
        Http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public TimeSpan StartToHealth { get; }

    public HttpClient Http { get; }

    public static async Task<EnvdProcess> StartAsync(string binary, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var started = Stopwatch.GetTimestamp();
        var process = Process.Start(new ProcessStartInfo(binary, ["--listen", $"127.0.0.1:{port}", "--default-user", "root"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // A fresh client per attempt would add its own setup; one, with no pooled connection to reuse yet.
        using var probe = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(1) });
        var health = new Uri($"http://127.0.0.1:{port}/health");
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
        while (true)
        {
            try
            {
                using var answer = await probe.GetAsync(health, cancellationToken);
                if (answer.StatusCode == HttpStatusCode.NoContent)
                {
                    break;
                }
            }
            catch (HttpRequestException) when (Stopwatch.GetTimestamp() < deadline && !process.HasExited)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(0.5), cancellationToken);
            }
        }

        return new EnvdProcess(process, port, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Resident set (VmRSS) in kB.</summary>
    public long RssKb() =>
        long.Parse(
            File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
            CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync(CancellationToken.None);
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
