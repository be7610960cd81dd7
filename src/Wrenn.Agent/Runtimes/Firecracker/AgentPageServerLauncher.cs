using Microsoft.Extensions.Options;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Runtimes.Firecracker;

/// <summary>Runs this agent's own binary as <c>uffd-serve</c>, detached with setsid, so it outlives an agent restart.</summary>
public sealed class AgentPageServerLauncher(ICommandRunner commands, IOptions<FirecrackerRuntimeOptions> options) : IPageServerLauncher
{
    private static readonly TimeSpan ListenTimeout = TimeSpan.FromSeconds(10);

    public async Task LaunchAsync(string socketPath, string snapshotDirectory, string pidFile, string logPath, CancellationToken cancellationToken)
    {
        var agent = options.Value.PageServerBinary ?? Environment.ProcessPath ?? throw new InvalidOperationException("the agent's own binary is unknown; cannot start a page server");
        File.Delete(socketPath);
        await commands.RunCheckedAsync(
            "/bin/sh",
            ["-c", "pidfile=\"$0\"; log=\"$1\"; shift; setsid \"$@\" </dev/null >>\"$log\" 2>&1 & echo $! > \"$pidfile\"", pidFile, logPath, agent, "uffd-serve", "--socket", socketPath, "--snapshot", snapshotDirectory],
            cancellationToken).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + ListenTimeout;
        while (!File.Exists(socketPath))
        {
            // One that has exited will not listen: say so now, with what it printed.
            if (!Vm.VmProcess.Exists(Vm.VmProcess.ReadPid(pidFile)))
            {
                throw new InvalidOperationException($"the page server for {snapshotDirectory} exited before it listened on {socketPath}: {Output(logPath)}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the page server for {snapshotDirectory} did not listen on {socketPath} within {ListenTimeout.TotalSeconds:0} s: {Output(logPath)}");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Output(string logPath) => File.Exists(logPath) ? File.ReadAllText(logPath).Trim() : "(no output)";
}
