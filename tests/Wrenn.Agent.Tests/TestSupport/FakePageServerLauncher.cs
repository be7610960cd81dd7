using System.Net.Sockets;
using Wrenn.Agent.Runtimes.Firecracker;
using Wrenn.Agent.Snapshots.Uffd;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// Stands in for <c>wrenn-agent uffd-serve</c>: listens where the runtime says (the fake Firecracker
/// checks that something does) and records which snapshot it was to serve. The page server itself is
/// tested against a real userfaultfd in Snapshots/.
/// </summary>
public sealed class FakePageServerLauncher : IPageServerLauncher, IDisposable
{
    private readonly List<Socket> _listeners = [];

    public List<(string Socket, string Snapshot)> Launches { get; } = [];

    public Task LaunchAsync(string socketPath, string snapshotDirectory, string pidFile, string logPath, CancellationToken cancellationToken)
    {
        _listeners.Add(PageService.Listen(socketPath));
        Launches.Add((socketPath, snapshotDirectory));
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }
    }
}
