namespace Wrenn.Agent.Runtimes.Firecracker;

/// <summary>Starts the process that serves a restored VM's memory (<c>wrenn-agent uffd-serve</c>).</summary>
public interface IPageServerLauncher
{
    /// <summary>Starts it detached and returns once <paramref name="socketPath"/> listens; its pid goes to <paramref name="pidFile"/>.</summary>
    Task LaunchAsync(string socketPath, string snapshotDirectory, string pidFile, string logPath, CancellationToken cancellationToken);
}
