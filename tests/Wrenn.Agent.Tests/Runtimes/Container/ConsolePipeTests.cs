using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Runtimes.Container;

namespace Wrenn.Agent.Tests.Runtimes.Container;

/// <summary>
/// The console pipe the container runtime makes without a shell: what a writer on its end prints reaches console.log
/// under the cap, the rotator ends when the last writer has gone, and nothing of it is left behind.
/// </summary>
public sealed class ConsolePipeTests : IDisposable
{
    private const long Cap = 64 * 1024;
    private readonly string _directory = Directory.CreateTempSubdirectory("wrenn-console-pipe-test-").FullName;

    [Fact]
    public async Task A_program_writing_to_the_pipe_fills_the_capped_log_and_the_rotator_ends_after_it()
    {
        var ct = TestContext.Current.CancellationToken;
        int exit;
        using (var console = await ConsolePipe.OpenAsync(_directory, Cap, ct))
        {
            Assert.NotEmpty(Rotators());

            // Three caps of lines to stdout and a last one to stderr: both go to the pipe.
            exit = await ListenSocketSpawn.RunAsync(
                "/bin/sh",
                ["-c", "i=0; while [ $i -lt 3000 ]; do echo \"line $i of the guest's console, padded to sixty-four bytes\"; i=$((i+1)); done; echo the-end >&2"],
                passed: null,
                output: console,
                ct);
        }

        Assert.Equal(0, exit);
        await Waiting.UntilAsync(() => Rotators().Count == 0, "the console's rotator ends", ct);
        Assert.EndsWith("the-end", ConsoleLog.Tail(_directory), StringComparison.Ordinal);
        Assert.InRange(new FileInfo(ConsoleLog.PathIn(_directory)).Length, 1, Cap);
        Assert.Equal(Cap, new FileInfo(Path.Combine(_directory, ConsoleLog.RotatedFileName)).Length);

        // The tenant's output is root's alone, whatever umask the agent has.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConsoleLog.PathIn(_directory)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConsoleLog.PathIn(_directory) + ConsolePipe.PipeSuffix));
    }

    [Fact]
    public async Task Closing_the_end_before_anything_writes_ends_the_rotator()
    {
        var ct = TestContext.Current.CancellationToken;
        using (await ConsolePipe.OpenAsync(_directory, Cap, ct))
        {
            Assert.NotEmpty(Rotators());
        }

        await Waiting.UntilAsync(() => Rotators().Count == 0, "the console's rotator ends", ct);
        Assert.Equal(string.Empty, ConsoleLog.Tail(_directory));
    }

    [Fact]
    public async Task A_cancelled_open_leaves_no_rotator_waiting_for_a_writer()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ConsolePipe.OpenAsync(_directory, Cap, cancelled.Token));

        await Waiting.UntilAsync(() => Rotators().Count == 0, "the console's rotator ends", TestContext.Current.CancellationToken);
    }

    /// <summary>The rotators of this test's log: they work in its directory.</summary>
    private List<int> Rotators() => ConsoleRotators.Under(_directory);

    public void Dispose()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 50)
            {
                Thread.Sleep(100);
            }
        }
    }
}
