using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace Wrenn.E2E.Tests;

/// <summary>
/// `wrenn up` and what people do to it: listen on 0.0.0.0, kill it, start it twice, start it where
/// something already holds its port.
/// </summary>
[Collection(OwnPlatformCollection.Name)]
public sealed partial class UpSupervisionTests
{
    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("[::]")]
    public async Task Wrenn_up_listening_on_every_interface_written_as_an_unspecified_address_starts_and_serves_on_loopback(string host)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var platform = await RunningPlatform.StartAsync(ct, listenHost: host);
        Assert.Equal("127.0.0.1", platform.ApiUrl.Host);
        using var health = await platform.Http.GetAsync(new Uri("/health", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("not loopback", platform.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Killing_wrenn_up_stops_its_children_and_a_second_wrenn_up_on_the_same_directory_says_who_runs()
    {
        var ct = TestContext.Current.CancellationToken;
        var platform = await RunningPlatform.StartAsync(ct);
        try
        {
            var (exitCode, output) = await RunAsync(TestEnvironment.Wrenn, ["up", "--wrenn-dir", platform.WrennDir, "--listen", "127.0.0.1:0", "--host-listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0"], ct);
            Assert.Equal(1, exitCode);
            Assert.Equal($"wrenn up: another wrenn up (pid {platform.Pid}) is already running on {platform.WrennDir}; stop it first (Ctrl-C in its terminal, or: sudo kill {platform.Pid})", output.Trim());

            var children = new[] { platform.ChildPid("control plane"), platform.ChildPid("host agent") };
            Assert.Equal(0, kill(platform.Pid, 9));
            var deadline = Stopwatch.GetTimestamp() + (60 * Stopwatch.Frequency);
            while (children.Any(pid => IsAlive(pid)) && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(200, ct);
            }

            Assert.True(children.All(pid => !IsAlive(pid)), $"children of a SIGKILLed wrenn up still run: {string.Join(", ", children.Where(IsAlive))}");
        }
        finally
        {
            await platform.DisposeAsync(deleteRoot: false);
        }

        // The lock went with the killed process: the next wrenn up on that directory starts.
        await using var again = await RunningPlatform.StartAsync(ct, existingRoot: platform.Root);
        using var health = await again.Http.GetAsync(new Uri("/health", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Without_ephemeral_the_banner_says_sandboxes_keep_running_and_the_next_wrenn_up_adopts_them()
    {
        var ct = TestContext.Current.CancellationToken;
        var platform = await RunningPlatform.StartAsync(ct, ephemeral: false);
        string id;
        try
        {
            Assert.Contains("Press Ctrl-C to stop; running sandboxes keep running, and the next wrenn up adopts them (--ephemeral destroys them on stop).", platform.Output, StringComparison.Ordinal);
            var api = new PlatformCalls(platform);
            id = await api.CreateSandboxAsync(new { });
            await api.ExecAsync(id, "echo kept > /tmp/mark");
            Assert.Equal(0, await platform.StopAsync());
        }
        finally
        {
            await platform.DisposeAsync(deleteRoot: false);
        }

        // Ephemeral this time, so the adopted sandbox is destroyed when the test ends.
        await using var again = await RunningPlatform.StartAsync(ct, existingRoot: platform.Root);
        Assert.Equal("kept\n", await new PlatformCalls(again).ExecAsync(id, "cat /tmp/mark"));
    }

    [Fact]
    public async Task Wrenn_up_on_a_port_already_taken_says_so_in_one_line_naming_the_holder()
    {
        TestEnvironment.RequireBuildAndImage();
        var ct = TestContext.Current.CancellationToken;
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var root = Directory.CreateTempSubdirectory("wrenn-e2e-").FullName;

        // Sandbox root must pass through it (else that is a second line from the host checks).
        File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.OtherExecute);
        try
        {
            var (exitCode, output) = await RunAsync(TestEnvironment.Wrenn, ["up", "--wrenn-dir", Path.Combine(root, "wrenn-dir"), "--listen", $"127.0.0.1:{port}", "--host-listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0"], ct);
            Assert.Equal(1, exitCode);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, output);
            Assert.StartsWith($"wrenn up: 127.0.0.1:{port} (the control plane's address) is already in use by ", lines[0], StringComparison.Ordinal);
            Assert.Contains($"(pid {Environment.ProcessId})", lines[0], StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task An_ephemeral_stop_leaves_no_empty_parent_cgroup_behind()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var platform = await RunningPlatform.StartAsync(ct);
        using (var created = await platform.Http.PostAsJsonAsync("/v1/sandboxes", new { }, ct))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync(ct) + platform.Logs());
        }

        Assert.Contains(Directory.EnumerateDirectories("/sys/fs/cgroup").Prepend("/sys/fs/cgroup"), hierarchy => Directory.Exists(Path.Combine(hierarchy, "wrenn")));
        Assert.Equal(0, await platform.StopAsync());

        // A parent may stay only while it holds another agent's sandboxes (other test runs on this machine).
        var emptyParents = Directory.EnumerateDirectories("/sys/fs/cgroup")
            .Prepend("/sys/fs/cgroup")
            .SelectMany(hierarchy => new[] { Path.Combine(hierarchy, "wrenn"), Path.Combine(hierarchy, "wrenn-qemu") })
            .Where(parent => Directory.Exists(parent) && !Directory.EnumerateDirectories(parent).Any())
            .ToList();
        Assert.True(emptyParents.Count == 0, "empty parent cgroups left: " + string.Join(", ", emptyParents));
    }

    [Fact]
    public async Task Switching_the_database_of_a_wrenn_dir_and_back_starts_each_time_with_that_databases_key()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await RunningPlatform.StartAsync(ct);
        var keyA = first.ApiKey;
        await first.DisposeAsync(deleteRoot: false);
        var root = first.Root;
        try
        {
            // An empty database where the first one was (as a switch to PostgreSQL would be).
            foreach (var file in Directory.EnumerateFiles(first.WrennDir, "wrenn.db*"))
            {
                File.Move(file, file + ".a");
            }

            var second = await RunningPlatform.StartAsync(ct, root);
            try
            {
                Assert.NotEqual(keyA, second.ApiKey);
                using var created = await second.Http.PostAsJsonAsync("/v1/sandboxes", new { }, ct);
                Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync(ct) + second.Logs());
            }
            finally
            {
                await second.DisposeAsync(deleteRoot: false);
            }

            // And back to the first database: its own admin credentials and its own host again.
            foreach (var file in Directory.EnumerateFiles(first.WrennDir, "wrenn.db*").Where(f => !f.EndsWith(".a", StringComparison.Ordinal)))
            {
                File.Delete(file);
            }

            foreach (var file in Directory.EnumerateFiles(first.WrennDir, "wrenn.db*.a"))
            {
                File.Move(file, file[..^2]);
            }

            await using var third = await RunningPlatform.StartAsync(ct, root);
            Assert.Equal(keyA, third.ApiKey);
            using var again = await third.Http.PostAsJsonAsync("/v1/sandboxes", new { }, ct);
            Assert.True(again.StatusCode == HttpStatusCode.Created, await again.Content.ReadAsStringAsync(ct) + third.Logs());
            using var hosts = await third.Http.GetAsync(new Uri("/health", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, hosts.StatusCode);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("wrenn", "wrenn up: ")]
    [InlineData("wrenn-agent", "wrenn-agent: ")]
    public async Task The_qemu_runtime_without_qemu_installed_is_refused_in_one_sentence_naming_the_debian_packages(string program, string prefix)
    {
        TestEnvironment.RequireBuildAndImage();
        var root = Directory.CreateTempSubdirectory("wrenn-e2e-").FullName;
        try
        {
            string[] arguments = program == "wrenn"
                ? ["up", "--runtime", "qemu", "--wrenn-dir", Path.Combine(root, "wrenn-dir"), "--listen", "127.0.0.1:0", "--host-listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0"]
                : ["--runtime", "qemu", "--wrenn-dir", Path.Combine(root, "wrenn-dir"), "--listen", "127.0.0.1:0"];
            // No PATH entry holds QEMU (nor anything else): what a host without the packages looks like.
            var (exitCode, output) = await RunAsync(Path.Combine(TestEnvironment.Builds, program), arguments, TestContext.Current.CancellationToken, new Dictionary<string, string> { ["PATH"] = "/nonexistent" });
            Assert.Equal(1, exitCode);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            // The agent says this one thing; wrenn up runs all of wrenn doctor's checks first, so it also
            // names what else an empty PATH lacks (iptables, ip), one line each, QEMU first.
            Assert.True(program == "wrenn" ? lines.All(l => l.StartsWith(prefix, StringComparison.Ordinal)) : lines.Length == 1, output);
            Assert.StartsWith(prefix + "the qemu runtime needs qemu-system-x86_64 and qemu-img, which are not installed: apt-get install qemu-system-x86 qemu-utils", lines[0], StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z');

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string[] arguments, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
