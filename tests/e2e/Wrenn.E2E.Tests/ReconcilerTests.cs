using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.E2E.Tests;

/// <summary>What happens when the agent dies under running sandboxes, and what the next start does about it.</summary>
[Collection(OwnPlatformCollection.Name)]
public sealed class ReconcilerTests
{
    [Fact]
    public async Task After_the_agent_is_killed_a_restart_adopts_the_sandboxes_that_still_run_and_the_dead_one_ends_stopped()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var platform = await RunningPlatform.StartAsync(ct);
        var survivors = new List<string>();
        string? casualty = null;
        try
        {
            var api = new PlatformCalls(platform);
            foreach (var i in Enumerable.Range(0, 5))
            {
                var id = await api.CreateSandboxAsync(new { });
                await api.ExecAsync(id, $"echo {i} > /tmp/who && nohup sleep 1000 >/dev/null 2>&1 &");
                survivors.Add(id);
            }

            casualty = await api.CreateSandboxAsync(new { });

            platform.KillChild("host agent");
            // wrenn up notices, says which child died, and stops the rest.
            Assert.NotEqual(0, await platform.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("agent exited", platform.Output, StringComparison.Ordinal);
            Assert.NotEmpty(HostSnapshot.Take().NewSince(before));
        }
        finally
        {
            await platform.DisposeAsync(deleteRoot: false);
        }

        // While no agent watches, one sandbox's container dies: its init is killed from the host, whichever OCI
        // runtime made it (crun, on this host through the agent's legacy cgroup view, which a bare crun would refuse).
        Run("kill", "-KILL", File.ReadAllText(Path.Combine(platform.WrennDir, "sandboxes", casualty!, "init.pid")).Trim());

        var restarted = await RunningPlatform.StartAsync(ct, platform.Root);
        try
        {
            var api = new PlatformCalls(restarted);
            // Same ids, same processes: what each one held in memory and on disk is still there.
            foreach (var (id, i) in survivors.Select((id, i) => (id, i)))
            {
                Assert.Equal($"{i}\n", await api.ExecAsync(id, "cat /tmp/who"));
                Assert.Equal("1\n", await api.ExecAsync(id, "pgrep -c -x sleep"));
                Assert.Equal("running", (await api.GetAsync($"/v1/sandboxes/{id}", HttpStatusCode.OK)).GetProperty("state").GetString());
            }

            // The dead one was cleaned off the host, and the reconciler finds it gone: stopped.
            var deadline = DateTime.UtcNow.AddSeconds(45);
            string state;
            do
            {
                await Task.Delay(500, ct);
                using var response = await restarted.Http.GetAsync(new Uri($"/v1/sandboxes/{casualty}", UriKind.Relative), ct);
                state = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("state").GetString()!;
            }
            while (state != "stopped" && DateTime.UtcNow < deadline);
            Assert.True(state == "stopped", $"sandbox is {state}, not stopped\n{restarted.Logs()}");
            Assert.DoesNotContain(HostSnapshot.Take().Containers, c => c.Contains(casualty!, StringComparison.Ordinal));
        }
        finally
        {
            await restarted.DisposeAsync();
        }

        // --ephemeral: the second stop removed everything, adopted sandboxes included.
        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {process.StandardError.ReadToEnd()}");
    }
}
