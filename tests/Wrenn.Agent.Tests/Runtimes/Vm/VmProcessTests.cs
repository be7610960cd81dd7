using System.Diagnostics;
using Wrenn.Agent.Runtimes.Vm;

namespace Wrenn.Agent.Tests.Runtimes.Vm;

/// <summary>
/// A VMM process the agent kills has exited once it is a zombie: the process that adopted it may reap it
/// late or, as here, never (a parent that does not wait), and the stop must not wait for that.
/// </summary>
public sealed class VmProcessTests
{
    [Fact]
    public async Task A_killed_process_its_parent_never_reaps_counts_as_exited()
    {
        // The shell starts the child, prints its pid, and becomes a sleep that never waits for it.
        using var parent = Process.Start(new ProcessStartInfo("sh", ["-c", "sleep 600 & echo $!; exec sleep 600"]) { RedirectStandardOutput = true })!;
        try
        {
            var child = int.Parse((await parent.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken))!, System.Globalization.CultureInfo.InvariantCulture);
            // The child is the shell's fork until it has exec'd sleep.
            await Waiting.UntilAsync(() => VmProcess.IsRunning(child, "sleep"), "the child never ran sleep", TestContext.Current.CancellationToken);

            Assert.True(await VmProcess.KillAsync(child, "sleep", TimeSpan.FromSeconds(30)), "a zombie has exited");

            Assert.Contains(") Z ", await File.ReadAllTextAsync($"/proc/{child}/stat", TestContext.Current.CancellationToken), StringComparison.Ordinal);
            Assert.False(VmProcess.IsRunning(child, "sleep"));
        }
        finally
        {
            parent.Kill();
            await parent.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Killing_a_pid_that_is_gone_already_is_not_an_error()
    {
        using var gone = Process.Start("true")!;
        await gone.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(await VmProcess.KillAsync(gone.Id, "true", TimeSpan.FromSeconds(1)));
    }
}
