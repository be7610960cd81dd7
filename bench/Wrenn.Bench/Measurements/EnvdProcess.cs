using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Wrenn.Tests.Shared;

namespace Wrenn.Bench.Measurements;

/// <summary>
/// builds/envd alone on loopback, started with posix_spawn (output to /dev/null, so its logging costs
/// what it costs in a sandbox, not a pipe reader here) and killed by its PID when disposed. Two ways to
/// its first /health: <see cref="EnvdStartMode.Port"/>, envd binds the port itself and the bench
/// connects every 0.5 ms until it answers (what a client that cannot know when envd listens must do);
/// <see cref="EnvdStartMode.InheritedSocket"/>, the bench binds and listens first and hands the socket
/// over as fd 3 with LISTEN_FDS=1 (what the agent does), so the request waits in the backlog.
/// </summary>
public sealed partial class EnvdProcess : IAsyncDisposable
{
    public const string AccessToken = "wrenn-bench-token";
    private const int ListenFd = 3;

    private readonly int _pid;
    private bool _killed;

    private EnvdProcess(int pid, int port, TimeSpan startToHealth)
    {
        _pid = pid;
        StartToHealth = startToHealth;
        Http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Http.DefaultRequestHeaders.Add("X-Access-Token", AccessToken);
    }

    public TimeSpan StartToHealth { get; }

    /// <summary>Sends the access token envd was started with.</summary>
    public HttpClient Http { get; }

    /// <summary>Whether this envd build accepts an inherited listening socket (it reads LISTEN_FDS).</summary>
    public static bool SupportsInheritedSocket(string binary)
    {
        var bytes = File.ReadAllBytes(binary);
        return bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes("LISTEN_FDS")) >= 0 || bytes.AsSpan().IndexOf("LISTEN_FDS"u8) >= 0;
    }

    public static async Task<EnvdProcess> StartAsync(string binary, EnvdStartMode mode, CancellationToken cancellationToken)
    {
        using var listener = mode == EnvdStartMode.InheritedSocket ? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) : null;
        int port;
        if (listener is not null)
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(128);
            port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        }
        else
        {
            port = FreeTcpPort.OnLoopback();
        }

        string[] arguments = listener is null ? [binary, "--listen", $"127.0.0.1:{port}", "--default-user", "root"] : [binary, "--default-user", "root"];
        var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Where(e => (string)e.Key is not ("LISTEN_FDS" or "LISTEN_PID" or "LISTEN_FDNAMES"))
            .Select(e => $"{e.Key}={e.Value}")
            .Append($"WRENN_ENVD_ACCESS_TOKEN={AccessToken}")
            .Concat(listener is null ? [] : ["LISTEN_FDS=1"])
            .ToArray();

        var started = Stopwatch.GetTimestamp();
        var pid = Spawn(binary, arguments, environment, listener is null ? -1 : (int)listener.Handle);
        var envd = new EnvdProcess(pid, port, TimeSpan.Zero);
        try
        {
            await AskHealthAsync(port, retry: listener is null, cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started);
            envd.Http.Dispose();
            return new EnvdProcess(pid, port, elapsed);
        }
        catch
        {
            await envd.DisposeAsync();
            throw;
        }
    }

    /// <summary>Resident set (VmRSS) in kB.</summary>
    public long RssKb() =>
        long.Parse(
            File.ReadLines($"/proc/{_pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
            CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_killed)
        {
            return;
        }

        _killed = true;
        _ = kill(_pid, 9);
        await Task.Run(() => waitpid(_pid, out _, 0));
    }

    /// <summary>GET /health on a fresh connection until a 204 comes back; raw, so nothing else is timed.</summary>
    private static async Task AskHealthAsync(int port, bool retry, CancellationToken cancellationToken)
    {
        var request = "GET /health HTTP/1.1\r\nHost: envd\r\nConnection: close\r\n\r\n"u8.ToArray();
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 30);
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                await socket.SendAsync(request, cancellationToken);
                var buffer = new byte[512];
                var read = await socket.ReceiveAsync(buffer, cancellationToken);
                var status = Encoding.ASCII.GetString(buffer, 0, read);
                if (status.StartsWith("HTTP/1.1 204", StringComparison.Ordinal))
                {
                    return;
                }

                throw new InvalidOperationException("envd /health answered " + status.Split('\r')[0]);
            }
            catch (SocketException) when (retry && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(0.5), cancellationToken);
            }
        }
    }

    private static unsafe int Spawn(string path, string[] arguments, string[] environment, int inheritedSocket)
    {
        var actions = stackalloc byte[256];
        var allocated = new List<IntPtr>();
        try
        {
            Check(posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            Check(posix_spawn_file_actions_addopen(actions, 0, "/dev/null", 0, 0), "addopen stdin");
            Check(posix_spawn_file_actions_addopen(actions, 1, "/dev/null", 1, 0), "addopen stdout");
            Check(posix_spawn_file_actions_adddup2(actions, 1, 2), "dup2 stderr");
            if (inheritedSocket >= 0)
            {
                // dup2 leaves the copy without close-on-exec, so envd inherits it as fd 3.
                Check(posix_spawn_file_actions_adddup2(actions, inheritedSocket, ListenFd), "dup2 socket");
            }

            var argv = ToPointers(arguments, allocated);
            var envp = ToPointers(environment, allocated);
            fixed (IntPtr* argvPointer = argv)
            fixed (IntPtr* envpPointer = envp)
            {
                Check(posix_spawn(out var pid, path, actions, null, argvPointer, envpPointer), "posix_spawn " + path);
                return pid;
            }
        }
        finally
        {
            _ = posix_spawn_file_actions_destroy(actions);
            foreach (var pointer in allocated)
            {
                Marshal.FreeCoTaskMem(pointer);
            }
        }
    }

    private static IntPtr[] ToPointers(string[] strings, List<IntPtr> allocated)
    {
        var pointers = new IntPtr[strings.Length + 1];
        for (var i = 0; i < strings.Length; i++)
        {
            pointers[i] = Marshal.StringToCoTaskMemUTF8(strings[i]);
            allocated.Add(pointers[i]);
        }

        return pointers;
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{what} failed: error {result}");
        }
    }

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawn_file_actions_init(byte* actions);

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawn_file_actions_destroy(byte* actions);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int posix_spawn_file_actions_addopen(byte* actions, int fd, string path, int flags, uint mode);

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawn_file_actions_adddup2(byte* actions, int fd, int newFd);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int posix_spawn(out int pid, string path, byte* actions, void* attributes, IntPtr* argv, IntPtr* envp);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int waitpid(int pid, out int status, int options);
}
