using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace Wrenn.E2E.Tests;

/// <summary>`wrenn up` and `wrenn image build` as commands: start, stop, refuse, cache.</summary>
[Collection(OwnPlatformCollection.Name)]
public sealed class UpCommandTests
{
    [Fact]
    public async Task Stopping_wrenn_up_with_live_sandboxes_removes_everything_it_made()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var platform = await RunningPlatform.StartAsync(ct);
        try
        {
            using var health = await platform.Http.GetAsync(new Uri("/health", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            for (var i = 0; i < 2; i++)
            {
                using var created = await platform.Http.PostAsJsonAsync("/v1/sandboxes", new { }, ct);
                Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync(ct) + platform.Logs());
            }

            Assert.NotEmpty(HostSnapshot.Take().NewSince(before));
            Assert.Equal(0, await platform.StopAsync());
            var leftovers = HostSnapshot.Take().NewSince(before);
            Assert.True(leftovers.Count == 0, "left behind: " + string.Join(", ", leftovers) + "\n" + platform.Output + platform.Logs());
            Assert.Empty(Directory.EnumerateDirectories(Path.Combine(platform.WrennDir, "sandboxes")));
            Assert.Contains("wrenn up: stopped", platform.Output, StringComparison.Ordinal);
            Assert.Equal(2, ChildPids(platform.Output).Count());
        }
        finally
        {
            await platform.DisposeAsync();
        }

        foreach (var pid in ChildPids(platform.Output))
        {
            Assert.False(Directory.Exists($"/proc/{pid}"), $"child process {pid} of wrenn up still runs");
        }
    }

    [Fact]
    public async Task A_stop_whose_cleanup_takes_longer_than_two_seconds_still_removes_everything()
    {
        // Every network namespace removal takes 3 s (an `ip` on PATH that waits first): the agent's stop, which
        // removes the sandbox's slot and the prepared ones, lasts well past 2 s. It used to be cut off there
        // (System.CommandLine ended the process 2 s after SIGTERM), and CI found the slots left behind.
        var ct = TestContext.Current.CancellationToken;
        var slowTools = Directory.CreateTempSubdirectory("wrenn-slow-ip-").FullName;
        var realIp = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':')
            .Select(dir => Path.Combine(dir, "ip")).First(File.Exists);
        var slowIp = Path.Combine(slowTools, "ip");
        File.WriteAllText(slowIp, $"#!/bin/sh\nif [ \"$1\" = netns ] && [ \"$2\" = delete ]; then sleep 3; fi\nexec {realIp} \"$@\"\n");
        File.SetUnixFileMode(slowIp, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(slowTools, (UnixFileMode)0b111_101_101);
        var before = HostSnapshot.Take();
        var platform = await RunningPlatform.StartAsync(ct, environment: new Dictionary<string, string> { ["PATH"] = slowTools + ":" + Environment.GetEnvironmentVariable("PATH") });
        try
        {
            using var created = await platform.Http.PostAsJsonAsync("/v1/sandboxes", new { }, ct);
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync(ct) + platform.Logs());

            var started = Stopwatch.GetTimestamp();
            Assert.Equal(0, await platform.StopAsync());
            var leftovers = HostSnapshot.Take().NewSince(before);
            Assert.True(leftovers.Count == 0, $"left behind after a {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s stop: " + string.Join(", ", leftovers) + "\n" + platform.Output + platform.Logs());
        }
        finally
        {
            await platform.DisposeAsync();
            Directory.Delete(slowTools, recursive: true);
        }
    }

    [Fact]
    public async Task Wrenn_up_prints_the_url_and_key_and_stores_them_for_clients_with_mode_0600()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var platform = await RunningPlatform.StartAsync(ct);
        Assert.Contains($"API URL:   {platform.ApiUrl.ToString().TrimEnd('/')}", platform.Output, StringComparison.Ordinal);
        Assert.Contains($"API key:   {platform.ApiKey}", platform.Output, StringComparison.Ordinal);
        var config = Path.Combine(platform.Root, "config", "wrenn", "config.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
    }

    [Fact]
    public async Task Wrenn_up_refuses_to_run_unprivileged_in_one_clear_line()
    {
        TestEnvironment.RequireBuildAndImage();
        var (exitCode, output) = await RunAsync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", TestEnvironment.Wrenn, "up", "--wrenn-dir", "/nonexistent"]);
        Assert.NotEqual(0, exitCode);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("must run as root", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Image_build_is_a_no_op_when_the_cached_image_is_current()
    {
        TestEnvironment.RequireBuildAndImage();
        var wrennDir = Path.GetDirectoryName(TestEnvironment.Images)!;
        var started = Stopwatch.GetTimestamp();
        var (exitCode, output) = await RunAsync(TestEnvironment.Wrenn, ["image", "build", "minimal", "--wrenn-dir", wrennDir]);
        Assert.Equal(0, exitCode);
        Assert.Contains("image minimal is current", output, StringComparison.Ordinal);
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10), $"took {Stopwatch.GetElapsedTime(started)}");
    }

    [Fact]
    public async Task Image_build_of_an_unknown_recipe_says_which_exist()
    {
        TestEnvironment.RequireBuildAndImage();
        var (exitCode, output) = await RunAsync(TestEnvironment.Wrenn, ["image", "build", "nope", "--wrenn-dir", Path.GetTempPath()]);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("no image recipe named 'nope'", output, StringComparison.Ordinal);
        Assert.Contains("minimal", output, StringComparison.Ordinal);
    }

    /// <summary>The PIDs `wrenn up` printed for its children ("host agent: pid N, …").</summary>
    private static IEnumerable<int> ChildPids(string output) =>
        System.Text.RegularExpressions.Regex.Matches(output, @": pid (\d+),")
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string[] arguments)
    {
        var startInfo = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
