using System.Diagnostics;
using SystemProcess = System.Diagnostics.Process;
using System.Net;
using System.Net.Sockets;

namespace Wrenn.Envd.Tests;

/// <summary>
/// A real envd on a loopback port: the NativeAOT binary when ENVD_BINARY names one, else the envd.dll
/// built beside these tests. Acts as root by default (tests run as root); stopped by its PID. Started
/// with an access token, as the agent starts every sandbox's envd; <see cref="Http"/> carries it.
/// </summary>
public sealed class RunningEnvd : IAsyncDisposable
{
    private readonly SystemProcess _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    /// <summary>The token envd is started with unless a test names another.</summary>
    public const string StartToken = "test-start-token";

    private RunningEnvd(SystemProcess process, int port, string? accessToken)
    {
        _process = process;
        BaseUri = new Uri($"http://127.0.0.1:{port}");
        Http = NewClient(accessToken);
    }

    public Uri BaseUri { get; }

    public HttpClient Http { get; }

    public int Pid => _process.Id;

    /// <summary>The lines envd printed so far (its log, stdout and stderr together).</summary>
    public IReadOnlyList<string> Output => [.. _output];

    /// <summary>A client of this envd that sends <paramref name="accessToken"/> (none when null) with every call.</summary>
    public HttpClient NewClient(string? accessToken)
    {
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = BaseUri, Timeout = TimeSpan.FromMinutes(2) };
        if (accessToken is not null)
        {
            http.DefaultRequestHeaders.Add("X-Access-Token", accessToken);
        }

        return http;
    }

    /// <param name="accessToken">The startup token, passed as the agent passes it to a container; null starts envd without one.</param>
    /// <param name="arguments">More of envd's command-line arguments.</param>
    public static async Task<RunningEnvd> StartAsync(string defaultUser = "root", string? keepaliveSeconds = null, string? accessToken = StartToken, IEnumerable<string>? arguments = null)
    {
        var port = FreePort();
        var binary = Environment.GetEnvironmentVariable("ENVD_BINARY");

        // envd steps the clock from /init where it owns it (a VM); here the clock is the host's, which
        // an envd that got that wrong (an older one did) must not be able to step: it runs without CAP_SYS_TIME.
        var startInfo = new ProcessStartInfo("setpriv");
        foreach (var argument in new[] { "--bounding-set", "-sys_time", "--inh-caps", "-sys_time", "--" })
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.ArgumentList.Add(binary is { Length: > 0 } ? binary : "dotnet");
        if (binary is not { Length: > 0 })
        {
            startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "envd.dll"));
        }

        foreach (var argument in new[] { "--listen", $"127.0.0.1:{port}", "--default-user", defaultUser })
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (keepaliveSeconds is not null)
        {
            startInfo.ArgumentList.Add("--keepalive-seconds");
            startInfo.ArgumentList.Add(keepaliveSeconds);
        }

        foreach (var argument in arguments ?? [])
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment.Remove("WRENN_ENVD_ACCESS_TOKEN");
        if (accessToken is not null)
        {
            startInfo.Environment["WRENN_ENVD_ACCESS_TOKEN"] = accessToken;
        }

        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        var process = SystemProcess.Start(startInfo)!;
        var envd = new RunningEnvd(process, port, accessToken);
        process.OutputDataReceived += (_, line) => envd.Collect(line.Data);
        process.ErrorDataReceived += (_, line) => envd.Collect(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await envd.Http.GetAsync(new Uri("/health", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    return envd;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException($"envd exited with {process.ExitCode}");
            }

            await Task.Delay(20);
        }

        await envd.DisposeAsync();
        throw new TimeoutException("envd did not answer /health");
    }

    /// <summary>Peak resident memory of the envd process so far (VmHWM), in bytes.</summary>
    public long PeakResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
