using Wrenn.Agent.Os;

namespace Wrenn.Agent.Runtimes.Firecracker;

/// <summary>Runs this agent's own binary as <c>uffd-serve</c>, detached with setsid, so it outlives an agent restart.</summary>
public sealed class AgentPageServerLauncher(ICommandRunner commands) : IPageServerLauncher
{
    private static readonly TimeSpan ListenTimeout = TimeSpan.FromSeconds(10);

    public async Task LaunchAsync(string socketPath, string snapshotDirectory, string pidFile, string logPath, CancellationToken cancellationToken)
    {
        var agent = Environment.ProcessPath ?? throw new InvalidOperationException("the agent's own binary is unknown; cannot start a page server");
        File.Delete(socketPath);
        await commands.RunCheckedAsync(
            "/bin/sh",
            ["-c", "pidfile=\"$0\"; log=\"$1\"; shift 2; setsid \"$@\" </dev/null >>\"$log\" 2>&1 & echo $! > \"$pidfile\"", pidFile, logPath, agent, "uffd-serve", "--socket", socketPath, "--snapshot", snapshotDirectory],
            cancellationToken).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + ListenTimeout;
        while (!File.Exists(socketPath))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the page server for {snapshotDirectory} did not listen on {socketPath} within {ListenTimeout.TotalSeconds:0} s: {(File.Exists(logPath) ? File.ReadAllText(logPath).Trim() : string.Empty)}");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }
}
