using System.Net;
using Wrenn.Envd.Hosting;
using Wrenn.Envd.Tests.TestSupport;

namespace Wrenn.Envd.Tests.Hosting;

/// <summary>
/// envd shares the sandbox's process limit with what it runs. While a fork bomb holds every pid, calls that keep
/// envd's threads busy made .NET's pool start another worker; the start failed and the OutOfMemoryException it
/// threw ended envd, and the sandbox with it (an e2e fork-bomb test saw the exec stream cut off). envd now starts
/// every worker it will have before it serves (<see cref="ThreadReserve"/>).
/// </summary>
public sealed class FullProcessLimitTests
{
    [Fact]
    public async Task Envd_lives_through_calls_that_hold_every_thread_while_its_pids_limit_is_reached_and_answers_after()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "moving envd into a cgroup needs root");
        var ct = TestContext.Current.CancellationToken;
        using var group = PidsCgroup.TryCreate();
        Assert.SkipWhen(group is null, "no pids cgroup controller on this host");

        var directory = Directory.CreateTempSubdirectory("wrenn-envd-pids-");
        var fifo = Path.Combine(directory.FullName, "never-written");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync(ct);
        }

        await using var envd = await RunningEnvd.StartAsync();
        List<Task<HttpResponseMessage>> blocked = [];
        try
        {
            // Past its first answer, envd starts its workers; an envd that does not is tested as it is.
            var workers = ThreadReserve.WorkersFor(Environment.ProcessorCount);
            await WaitForWorkersAsync(envd.Pid, workers, ct);
            group.Add(envd.Pid);
            group.Limit(group.Current);

            // More calls than envd has workers, each holding one in open() of a FIFO no one writes; the pool is then
            // starved, which is when it used to start a worker.
            for (var i = 0; i < 2 * workers; i++)
            {
                blocked.Add(envd.Http.GetAsync(new Uri($"/files?path={Uri.EscapeDataString(fifo)}", UriKind.Relative), ct));
            }

            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            Assert.False(envd.HasExited, "envd ended while its pids limit was reached: " + string.Join(" | ", envd.Output));
        }
        finally
        {
            group.Limit(null);
            await ReleaseAsync(fifo, blocked);
            directory.Delete(recursive: true);
        }

        foreach (var call in blocked)
        {
            using var response = await call;
        }

        using var health = await envd.Http.GetAsync(new Uri("/health", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.NoContent, health.StatusCode);
        Assert.DoesNotContain(envd.Output, line => line.Contains("OutOfMemoryException", StringComparison.Ordinal));
    }

    /// <summary>
    /// Lets every blocked open of <paramref name="fifo"/> through (a reader-writer open never blocks) and then
    /// ends their reads (the last writer closes); calls still queued behind them block again, so round after round.
    /// </summary>
    private static async Task ReleaseAsync(string fifo, List<Task<HttpResponseMessage>> calls)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!calls.All(c => c.IsCompleted) && DateTime.UtcNow < deadline)
        {
            using (new FileStream(fifo, FileMode.Open, FileAccess.ReadWrite))
            {
                await Task.Delay(100);
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits (5 s at most) until the process has <paramref name="workers"/> thread-pool workers, which .NET names so.</summary>
    private static async Task WaitForWorkersAsync(int pid, int workers, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline && Directory.GetDirectories($"/proc/{pid}/task").Count(t => ReadComm(t) == ".NET TP Worker") < workers)
        {
            await Task.Delay(20, ct);
        }
    }

    private static string ReadComm(string task)
    {
        try
        {
            return File.ReadAllText(Path.Combine(task, "comm")).Trim();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }
}
