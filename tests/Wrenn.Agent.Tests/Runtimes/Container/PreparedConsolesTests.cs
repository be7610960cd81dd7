using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Runtimes.Container;

namespace Wrenn.Agent.Tests.Runtimes.Container;

/// <summary>
/// Consoles opened ahead in prepared directories: the rotator keeps logging in its directory after a rename, and
/// whatever a discarded directory had of one ends, including a rotator still waiting for its writer.
/// </summary>
public sealed class PreparedConsolesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("wrenn-prepared-consoles-test-").FullName;

    [Fact]
    public async Task A_console_opened_ahead_logs_in_the_directory_it_was_renamed_to()
    {
        var ct = TestContext.Current.CancellationToken;
        var prepared = Directory.CreateDirectory(Path.Combine(_root, "prepared")).FullName;
        var sandbox = Path.Combine(_root, "sandbox");
        using var consoles = NewConsoles();
        await consoles.StartAsync(prepared, ct);
        Assert.Single(ConsoleRotators.Under(prepared));

        Directory.Move(prepared, sandbox);
        consoles.Moved(prepared, sandbox);
        Assert.Null(consoles.TryTake(prepared));
        using (var console = consoles.TryTake(sandbox))
        {
            Assert.NotNull(console);
            Assert.Equal(0, consoles.Count);
            await using var writer = new FileStream(console, FileAccess.Write);
            await writer.WriteAsync("printed after the rename\n"u8.ToArray(), ct);
        }

        await Waiting.UntilAsync(() => ConsoleRotators.Under(sandbox).Count == 0, "the rotator ends with its last writer", ct);
        Assert.Equal("printed after the rename", ConsoleLog.Tail(sandbox));
    }

    [Fact]
    public async Task Ending_a_directory_ends_its_rotator_having_written_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var prepared = Directory.CreateDirectory(Path.Combine(_root, "prepared")).FullName;
        using var consoles = NewConsoles();
        await consoles.StartAsync(prepared, ct);
        Assert.Single(ConsoleRotators.Under(prepared));

        consoles.End(prepared);

        await Waiting.UntilAsync(() => ConsoleRotators.Under(prepared).Count == 0, "the rotator ends", ct);
        Assert.Equal(string.Empty, ConsoleLog.Tail(prepared));
    }

    [Fact]
    public async Task Ending_a_directory_whose_rotator_still_waits_for_its_writer_ends_that_rotator()
    {
        // An agent killed between starting a rotator and opening the pipe's writing end leaves it waiting in its open;
        // the next agent discards the directory.
        var ct = TestContext.Current.CancellationToken;
        var leftover = Directory.CreateDirectory(Path.Combine(_root, "leftover")).FullName;
        var pipe = ConsoleLog.PathIn(leftover) + ConsolePipe.PipeSuffix;
        using (var mkfifo = Process.Start("mkfifo", ["-m", "600", pipe]))
        {
            await mkfifo.WaitForExitAsync(ct);
            Assert.Equal(0, mkfifo.ExitCode);
        }

        using (var setsid = Process.Start("setsid", ["-f", "/bin/sh", "-c", "cd \"$1\" && exec <console.log.pipe; cat >/dev/null", "console-log", leftover]))
        {
            await setsid.WaitForExitAsync(ct);
        }

        try
        {
            await Waiting.UntilAsync(() => ConsoleRotators.Under(leftover).Count == 1, "the rotator waits", ct);
            using var consoles = NewConsoles();

            consoles.End(leftover);

            await Waiting.UntilAsync(() => ConsoleRotators.Under(leftover).Count == 0, "the waiting rotator ends", ct);
        }
        finally
        {
            // This test's own process, should it still wait.
            foreach (var pid in ConsoleRotators.Under(leftover))
            {
                Process.GetProcessById(pid).Kill();
            }
        }
    }

    public void Dispose()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(_root, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 50)
            {
                Thread.Sleep(100);
            }
        }
    }

    private static PreparedConsoles NewConsoles() =>
        new(Microsoft.Extensions.Options.Options.Create(new ContainerRuntimeOptions { ConsoleLogBytes = 64 * 1024 }), NullLogger<PreparedConsoles>.Instance);
}
