using Grpc.Core;

namespace Wrenn.Agent.Tests.Telemetry;

/// <summary>A request stream of the given messages, as a client that sent them and closed its side.</summary>
public sealed class ListStreamReader<T>(IReadOnlyList<T> messages) : IAsyncStreamReader<T>
    where T : class
{
    private int _next;

    public T Current { get; private set; } = null!;

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (_next >= messages.Count)
        {
            return Task.FromResult(false);
        }

        Current = messages[_next++];
        return Task.FromResult(true);
    }
}
