// Shared by the end-to-end tests and the benchmarks through a linked <Compile> item.
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Wrenn.Tests.Shared;

/// <summary>
/// `wrenn up --ephemeral` on a temp $WRENN_DIR (reusing the cached image) and free loopback ports, as a
/// user would start it; stopped with SIGTERM by its PID.
/// </summary>
public sealed partial class RunningPlatform : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private bool _stopped;

    private RunningPlatform(Process process, string root, Uri apiUrl, string apiKey, int proxyPort)
    {
        _process = process;
        ProxyPort = proxyPort;
        Root = root;
        ApiUrl = apiUrl;
        ApiKey = apiKey;
        Http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = apiUrl, Timeout = TimeSpan.FromMinutes(3) };
        Http.DefaultRequestHeaders.Add("X-API-Key", apiKey);
    }

    /// <summary>Temp directory holding wrenn-dir/ and config/.</summary>
    public string Root { get; }

    public string WrennDir => Path.Combine(Root, "wrenn-dir");

    public Uri ApiUrl { get; }

    public string ApiKey { get; }

    /// <summary>Loopback port of the sandbox traffic proxy; its domain is <see cref="ProxyDomain"/>.</summary>
    public int ProxyPort { get; }

    /// <summary>What `wrenn up` names sandbox hosts under: "{port}-{id}.localhost:{ProxyPort}".</summary>
    public string ProxyDomain => $"localhost:{ProxyPort}";

    public Uri ProxyUrl => new($"http://127.0.0.1:{ProxyPort}");

    /// <summary>Sends X-API-Key on every request.</summary>
    public HttpClient Http { get; }

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts `wrenn up` on a new temp directory, or on <paramref name="existingRoot"/> to restart a
    /// platform that ran before there. <paramref name="environment"/> adds variables for it; <paramref name="runtime"/>
    /// is `wrenn up --runtime` (for qemu the guest kernels `wrenn image kernel` put beside the images are
    /// linked in, as scripts/with-platform.sh does); <paramref name="listenHost"/> is the host part of the
    /// API's --listen (loopback unless a test asks); <paramref name="ephemeral"/> false leaves out
    /// --ephemeral, so sandboxes outlive a stop.
    /// </summary>
    public static async Task<RunningPlatform> StartAsync(CancellationToken cancellationToken, string? existingRoot = null, IReadOnlyDictionary<string, string>? environment = null, string runtime = "container", string listenHost = "127.0.0.1", bool ephemeral = true)
    {
        TestEnvironment.RequireBuildAndImage();
        var root = existingRoot ?? Directory.CreateTempSubdirectory("wrenn-e2e-").FullName;
        // Sandbox root (an unprivileged host id in its user namespace) must pass through to the bundles.
        File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.OtherExecute);
        var wrennDir = Directory.CreateDirectory(Path.Combine(root, "wrenn-dir")).FullName;
        if (!Directory.Exists(Path.Combine(wrennDir, "images")))
        {
            Directory.CreateSymbolicLink(Path.Combine(wrennDir, "images"), TestEnvironment.Images);
        }

        var kernels = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(TestEnvironment.Images))!, "kernels");
        if (runtime != "container" && Directory.Exists(kernels) && !Path.Exists(Path.Combine(wrennDir, "kernels")))
        {
            Directory.CreateSymbolicLink(Path.Combine(wrennDir, "kernels"), kernels);
        }

        // Chosen together: three separate picks once gave the agent and the proxy the same port.
        var ports = FreeTcpPort.OnLoopback(3);
        var (cpPort, agentPort, proxyPort) = (ports[0], ports[1], ports[2]);

        var startInfo = new ProcessStartInfo(TestEnvironment.Wrenn)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "up", "--wrenn-dir", wrennDir, "--listen", $"{listenHost}:{cpPort}", "--host-listen", $"127.0.0.1:{agentPort}", "--proxy-listen", $"127.0.0.1:{proxyPort}", "--runtime", runtime })
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (ephemeral)
        {
            startInfo.ArgumentList.Add("--ephemeral");
        }

        startInfo.Environment["XDG_CONFIG_HOME"] = Path.Combine(root, "config");
        // Test sandboxes get no resolver: they must not reach out on their own.
        startInfo.Environment["WRENN_SANDBOX_NAMESERVERS"] = "none";
        // Small disks, so the test that fills one is quick; every other test fits easily.
        startInfo.Environment["WRENN_SANDBOX_DISK_MB"] = "512";
        // And a low process cap, so the fork bomb test ends in seconds.
        startInfo.Environment["WRENN_SANDBOX_PIDS_LIMIT"] = "512";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        var process = Process.Start(startInfo)!;
        process.StandardInput.Close();
        var output = new StringBuilder();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            // Ready when the whole banner is out: "Wrenn is up" is its first line, and tests read the
            // URL and key lines below it (they raced the reader when readiness was the first line).
            if (line.StartsWith("Press Ctrl-C to stop", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var exited = process.WaitForExitAsync(cancellationToken);
        var finished = await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromMinutes(2), cancellationToken));
        if (finished != ready.Task)
        {
            if (!process.HasExited)
            {
                _ = kill(process.Id, 15);
                await process.WaitForExitAsync(CancellationToken.None);
            }

            var failure = new InvalidOperationException($"wrenn up did not become ready (exit {(process.HasExited ? process.ExitCode : -1)}):\n{output}\n{Logs(wrennDir)}");
            process.Dispose();
            // A platform that never came up has no owner to clean up after it (tests expecting a
            // refusal start one on purpose): its temp directory goes now, not a restart's.
            if (existingRoot is null)
            {
                Directory.Delete(root, recursive: true);
            }

            throw failure;
        }

        using var config = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "config", "wrenn", "config.json"), cancellationToken));
        var platform = new RunningPlatform(
            process,
            root,
            new Uri(config.RootElement.GetProperty("api_url").GetString()!),
            config.RootElement.GetProperty("api_key").GetString()!,
            proxyPort);
        platform._output.Append(output);
        process.OutputDataReceived += (_, e) => platform.Append(e.Data);
        process.ErrorDataReceived += (_, e) => platform.Append(e.Data);
        return platform;
    }

    /// <summary>SIGTERM to `wrenn up` and wait for it; returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (_stopped)
        {
            return _process.ExitCode;
        }

        _stopped = true;
        if (!_process.HasExited)
        {
            _ = kill(_process.Id, 15);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits for `wrenn up` to exit by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(limit.Token);
        _stopped = true;
        return _process.ExitCode;
    }

    /// <summary>The control plane's and agent's logs, for failure messages.</summary>
    public string Logs() => Logs(WrennDir);

    public async ValueTask DisposeAsync() => await DisposeAsync(deleteRoot: true);

    /// <summary>Stops the platform; keeps its directory when a test wants to start it again there.</summary>
    public async ValueTask DisposeAsync(bool deleteRoot)
    {
        var exitCode = await StopAsync();
        Http.Dispose();
        _process.Dispose();
        if (deleteRoot)
        {
            // Read before the delete, which takes them: a root that cannot be deleted means the stop left
            // something mounted, and the logs say why.
            var logs = Logs();
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException ex)
            {
                throw new IOException($"{ex.Message} (left after wrenn up exited with {exitCode})\n{Output}\n{logs}", ex);
            }
        }
    }

    /// <summary>The PID `wrenn up` printed for one of its children ("host agent" or "control plane").</summary>
    public int ChildPid(string name)
    {
        var match = System.Text.RegularExpressions.Regex.Match(Output, name + @": pid (\d+),");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : throw new InvalidOperationException($"wrenn up printed no pid for {name}");
    }

    /// <summary>SIGKILL to one of this platform's own children, as a crash would.</summary>
    public void KillChild(string name) => _ = kill(ChildPid(name), 9);

    private static string Logs(string wrennDir)
    {
        var logs = Path.Combine(wrennDir, "logs");
        if (!Directory.Exists(logs))
        {
            return "(no logs)";
        }

        var text = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(logs))
        {
            text.AppendLine("--- " + Path.GetFileName(file));
            text.AppendLine(string.Join('\n', File.ReadLines(file).TakeLast(60)));
        }

        return text.ToString();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
