namespace Wrenn.Agent.Runtimes.Firecracker;

/// <summary>Starts a firecracker process; the runtime then drives it only through its API socket.</summary>
public interface IFirecrackerLauncher
{
    /// <summary>Starts it detached (it outlives an agent restart) and returns once it runs; the caller waits for the socket.</summary>
    Task LaunchAsync(FirecrackerLaunch launch, CancellationToken cancellationToken);
}
