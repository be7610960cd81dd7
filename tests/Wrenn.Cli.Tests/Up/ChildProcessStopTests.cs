using Wrenn.Cli.Up;

namespace Wrenn.Cli.Tests.Up;

/// <summary>
/// A child of `wrenn up` that dies or hangs in its stop skipped its cleanup; the stop must say so rather
/// than report a clean stop (a leak check suites later was the only sign before).
/// </summary>
public sealed class ChildProcessStopTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wrenn-child-stop-").FullName;

    [Fact]
    public async Task A_child_that_exits_0_on_SIGTERM_stopped_cleanly()
    {
        await using var child = Start("trap 'exit 0' TERM; echo ready; while :; do sleep 0.05; done");
        await WaitUntilReadyAsync(child);

        Assert.Null(await child.StopAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public async Task A_child_that_fails_in_its_stop_is_reported_with_its_exit_code()
    {
        // Much printed just before the exit: the stop is seen before the pipes are read to their end, and what
        // the child said last (why its cleanup failed) must be in its log when the stop is reported.
        await using var child = Start("trap 'seq 1 20000 >&2; echo cleanup failed >&2; exit 3' TERM; echo ready; while :; do sleep 0.05; done");
        await WaitUntilReadyAsync(child);

        Assert.Equal("exited with 3 while stopping", await child.StopAsync(TimeSpan.FromSeconds(30)));
        Assert.EndsWith("20000\ncleanup failed", child.LogTail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_child_that_ignores_SIGTERM_is_killed_after_its_grace_and_reported()
    {
        await using var child = Start("trap '' TERM; echo ready; while :; do sleep 0.05; done");
        await WaitUntilReadyAsync(child);

        Assert.Equal("did not stop within 1 s and was killed", await child.StopAsync(TimeSpan.FromSeconds(1)));
        Assert.True(child.HasExited);
    }

    [Fact]
    public async Task A_child_that_had_exited_already_is_not_reported_again()
    {
        await using var child = Start("exit 5");
        await child.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Null(await child.StopAsync(TimeSpan.FromSeconds(1)));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private ChildProcess Start(string script) =>
        ChildProcess.Start("child", "/bin/sh", ["-c", script], new Dictionary<string, string>(), Path.Combine(_directory, "logs", "child.log"), echo: false);

    private static async Task WaitUntilReadyAsync(ChildProcess child)
    {
        // The trap must be set before the SIGTERM comes: the child says "ready" after setting it.
        for (var i = 0; i < 600 && !child.LogTail().Contains("ready", StringComparison.Ordinal); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Contains("ready", child.LogTail(), StringComparison.Ordinal);
    }
}
