using System.Diagnostics;
using SystemProcess = System.Diagnostics.Process;
using System.Net;

namespace Wrenn.Envd.Tests.TestSupport;

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
        var port = FreeTcpPort.OnLoopback();
        var startInfo = EnvdStartInfo(defaultUser, accessToken, ["--listen", $"127.0.0.1:{port}", .. keepaliveSeconds is null ? Array.Empty<string>() : ["--keepalive-seconds", keepaliveSeconds], .. arguments ?? []]);
        var process = SystemProcess.Start(startInfo)!;
        var envd = new RunningEnvd(process, port, accessToken);
        process.OutputDataReceived += (_, line) => envd.Collect(line.Data);
        process.ErrorDataReceived += (_, line) => envd.Collect(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await envd.WaitForHealthAsync();
        return envd;
    }

    /// <summary>
    /// envd started as the agent starts it in a sandbox: with a listening socket on a loopback port
    /// already bound for it and passed as fd 3 with LISTEN_FDS (<paramref name="listenFds"/>) and
    /// LISTEN_PID (<paramref name="listenPid"/>: "self" = envd's own pid, null = unset). A python3
    /// launcher binds the socket (a .NET parent cannot pass a descriptor), prints its port and execs envd.
    /// Returns once the launcher has printed the port, without waiting for envd: a caller's first request
    /// waits in the socket's backlog. Test with <see cref="HasExited"/> when envd is expected to refuse.
    /// </summary>
    public static async Task<RunningEnvd> StartWithPassedSocketAsync(string listenFds = "1", string? listenPid = "self", IEnumerable<string>? arguments = null)
    {
        var envdStart = EnvdStartInfo("root", StartToken, arguments ?? []);
        var startInfo = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-c", PassSocketLauncher, listenFds, listenPid ?? string.Empty, envdStart.FileName })
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var argument in envdStart.ArgumentList)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment.Remove("WRENN_ENVD_ACCESS_TOKEN");
        startInfo.Environment["WRENN_ENVD_ACCESS_TOKEN"] = StartToken;
        var process = SystemProcess.Start(startInfo)!;
        var portLine = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        RunningEnvd? envd = null;

        // Lines that come before the RunningEnvd exists wait here (both streams): envd's first lines follow the
        // port line at once, and dropping them lost "listening on ..." now and then.
        var gate = new Lock();
        var early = new List<string>();
        void Collect(string line)
        {
            lock (gate)
            {
                if (envd is null)
                {
                    early.Add(line);
                }
                else
                {
                    envd.Collect(line);
                }
            }
        }

        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                string said;
                lock (gate)
                {
                    said = string.Join(" | ", early);
                }

                portLine.TrySetException(new InvalidOperationException("the launcher printed no port: " + said));
            }
            else if (!portLine.Task.IsCompleted)
            {
                portLine.TrySetResult(line.Data);
            }
            else
            {
                Collect(line.Data);
            }
        };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null)
            {
                Collect(line.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var port = int.Parse(await portLine.Task.WaitAsync(TimeSpan.FromSeconds(30)), System.Globalization.CultureInfo.InvariantCulture);
        lock (gate)
        {
            envd = new RunningEnvd(process, port, StartToken);
            foreach (var line in early)
            {
                envd.Collect(line);
            }
        }

        return envd;
    }

    /// <summary>Binds a listening socket on a free loopback port, makes it fd 3, sets LISTEN_FDS and LISTEN_PID, prints the port, execs the rest.</summary>
    private const string PassSocketLauncher = """
        import os, socket, sys
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        os.dup2(s.fileno(), 3)
        os.set_inheritable(3, True)
        os.environ["LISTEN_FDS"] = sys.argv[1]
        if sys.argv[2]:
            os.environ["LISTEN_PID"] = str(os.getpid()) if sys.argv[2] == "self" else sys.argv[2]
        print(s.getsockname()[1], flush=True)
        os.execvp(sys.argv[3], sys.argv[3:])
        """;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Polls GET /health until envd answers 204.</summary>
    public async Task WaitForHealthAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await Http.GetAsync(new Uri("/health", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"envd exited with {_process.ExitCode}: {string.Join(" | ", Output)}");
            }

            await Task.Delay(20);
        }

        await DisposeAsync();
        throw new TimeoutException("envd did not answer /health");
    }

    /// <summary>How to start envd (the NativeAOT binary when ENVD_BINARY names one, else envd.dll), without CAP_SYS_TIME.</summary>
    private static ProcessStartInfo EnvdStartInfo(string defaultUser, string? accessToken, IEnumerable<string> arguments)
    {
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

        foreach (var argument in new[] { "--default-user", defaultUser }.Concat(arguments))
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
        return startInfo;
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
}
