using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes;

namespace Wrenn.Agent.Tests.Runtimes;

/// <summary>
/// A guest can print to its console without end; the host keeps at most the cap in console.log and one
/// rotated file, checked while a writer pours out many times the cap.
/// </summary>
public sealed class ConsoleLogTests : IDisposable
{
    private const long Cap = 64 * 1024;
    private readonly string _directory = Directory.CreateTempSubdirectory("wrenn-console-test-").FullName;

    [Fact]
    public async Task A_writer_pouring_out_many_times_the_cap_never_grows_the_files_past_it()
    {
        var ct = TestContext.Current.CancellationToken;
        ICommandRunner commands = new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance);

        // 40 caps of numbered lines, then a last line the log must end with.
        var writer = "i=0; while [ $i -lt 40000 ]; do echo \"line $i of the guest's console, padded to sixty-four bytes\"; i=$((i+1)); done; echo the-end";
        var running = commands.RunAsync("/bin/sh", ConsoleLog.CappedShellArguments(_directory, Cap, ["sh", "-c", writer]), ct);

        var largest = 0L;
        var sawRotation = false;
        while (!running.IsCompleted)
        {
            foreach (var file in Directory.EnumerateFiles(_directory, "console.log*"))
            {
                // The rotator may rename the file between the listing and this look: then it is not there to measure.
                var info = new FileInfo(file);
                if (!info.Exists)
                {
                    continue;
                }

                largest = Math.Max(largest, info.Length);
                sawRotation |= file.EndsWith(ConsoleLog.RotatedFileName, StringComparison.Ordinal);
            }

            await Task.Delay(5, ct);
        }

        Assert.True((await running).Succeeded);

        // The rotator ends when the last writer has gone: wait for it to write what was left.
        var log = ConsoleLog.PathIn(_directory);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!ConsoleLog.Tail(_directory).EndsWith("the-end", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, ct);
        }

        Assert.EndsWith("the-end", ConsoleLog.Tail(_directory), StringComparison.Ordinal);
        Assert.True(sawRotation, "the log was rotated while being written");
        Assert.InRange(largest, 1, Cap);
        Assert.Equal(
            [ConsoleLog.FileName, ConsoleLog.RotatedFileName, ConsoleLog.FileName + ".pipe"],
            Directory.EnumerateFileSystemEntries(_directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.InRange(new FileInfo(log).Length, 1, Cap);
        Assert.Equal(Cap, new FileInfo(Path.Combine(_directory, ConsoleLog.RotatedFileName)).Length);
    }

    [Fact]
    public async Task What_a_running_writer_printed_is_in_the_log_at_once_not_when_it_ends()
    {
        var ct = TestContext.Current.CancellationToken;
        ICommandRunner commands = new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance);
        var running = commands.RunAsync("/bin/sh", ConsoleLog.CappedShellArguments(_directory, Cap, ["sh", "-c", "echo the-last-words-before-a-hang; sleep 4"]), ct);

        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (!ConsoleLog.Tail(_directory).Contains("the-last-words-before-a-hang", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, ct);
        }

        Assert.False(running.IsCompleted, "the writer still runs");
        Assert.Equal("the-last-words-before-a-hang", ConsoleLog.Tail(_directory));
        await running;
    }

    public void Dispose()
    {
        // The rotator outlives the writer by a moment (it drains the pipe, then rotates or closes): a
        // delete that races it finds a file it just made ("Directory not empty") and is tried again.
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
